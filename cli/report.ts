import { formatSignature, findImport } from "./abi/table.js";
import type { ResolvedConfig } from "./config/types.js";
import type { ContainerSpec } from "./spec.js";

/**
 * build/report.json: what `ocre build` produced and how. Documented in docs/report.md. Bump
 * REPORT_SCHEMA_VERSION on any change that is not a pure addition. Every `timeMs` varies from
 * run to run; everything else is a function of the inputs (same inputs, same report).
 */
export const REPORT_SCHEMA_VERSION = 1;
export const REPORT_FILE = "report.json";

export interface StageTiming {
  /** Wall-clock milliseconds of this stage in the run that produced the report. */
  readonly timeMs: number;
}

export interface CompileStageReport extends StageTiming {
  /** Unoptimised module size. */
  readonly sizeBytes: number;
  /** Source files the compiler read (app and SDK; the standard library is built in). */
  readonly sourceFiles: number;
  /** ocre.yaml's entry when it is a prebuilt `.wasm` (relative to the app directory): nothing was compiled. */
  readonly prebuilt?: string;
}

export interface OptimiseStageReport extends StageTiming {
  readonly sizeBytes: number;
  readonly profile: ResolvedConfig["optimize"];
  readonly rounds: number;
}

export interface ValidateStageReport extends StageTiming {
  readonly warnings: readonly string[];
}

export interface WriteStageReport extends StageTiming {
  /** Output file, relative to the build directory. */
  readonly file: string;
}

export interface AppReport {
  readonly name: string;
  readonly version: string;
  /** build/<name>.wasm relative to the build directory. */
  readonly wasm: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly runtime: ResolvedConfig["runtime"];
  readonly optimize: ResolvedConfig["optimize"];
  readonly debug: boolean;
  readonly capabilities: readonly string[];
  readonly features: readonly string[];
  readonly imports: readonly { readonly module: string; readonly name: string; readonly signature: string }[];
  readonly exports: readonly string[];
  readonly memory: {
    readonly initialPages: number;
    readonly maxPages: number;
    readonly imported: boolean;
    readonly stackBytes: number;
    readonly heapBytes: number;
  };
}

export interface BuildReport {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly ocreVersion: string;
  readonly tools: { readonly assemblyscript: string; readonly binaryen: string; readonly wabt: string };
  readonly app: AppReport;
  readonly stages: {
    readonly compile: CompileStageReport;
    readonly optimise: OptimiseStageReport;
    readonly validate: ValidateStageReport;
    readonly write: WriteStageReport;
  };
  /** Sections returned by hooked stages (oci.package, generate, firmware), keyed by section. */
  readonly [section: string]: unknown;
}

/** The `app` section, from the validated spec and the config. */
export function appReport(spec: ContainerSpec, config: ResolvedConfig, memoryImported: boolean): AppReport {
  return {
    name: spec.name,
    version: spec.version,
    wasm: `${spec.name}.wasm`,
    sizeBytes: spec.wasm.length,
    sha256: spec.sha256,
    runtime: config.runtime,
    optimize: config.optimize,
    debug: config.debug,
    capabilities: [...spec.capabilities],
    features: [...spec.features],
    imports: spec.imports.map((i) => {
      const known = findImport(i.module, i.name);
      return { module: i.module, name: i.name, signature: known ? formatSignature(known.params, known.results) : "" };
    }),
    exports: [...spec.exports],
    memory: {
      initialPages: spec.memory.initialPages,
      maxPages: spec.memory.maxPages,
      imported: memoryImported,
      stackBytes: spec.memory.stackBytes,
      heapBytes: spec.memory.heapBytes,
    },
  };
}

/** The report as written: stable key order (insertion order) and a trailing newline. */
export function serializeReport(report: BuildReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** A copy without the run-dependent `timeMs` fields: what two builds of the same inputs share. */
export function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "timeMs")
        .map(([k, v]) => [k, withoutTimings(v)]),
    );
  }
  return value;
}
