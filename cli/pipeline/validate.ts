import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { OcreError } from "../errors.js";
import {
  findImport,
  formatSignature,
  isCallAllowed,
  knownImportNames,
  type AbiFunction,
  type Feature,
  type ValType,
} from "../abi/table.js";
import type { ResolvedConfig } from "../config/types.js";
import type { ContainerSpec, ImportRef } from "../spec.js";
import { didYouMean } from "../util/suggest.js";
import { readWasmSummary, type WasmSummary } from "./wasm-sections.js";

export interface ValidateResult {
  readonly spec: ContainerSpec;
  /** Problems that do not stop the build (e.g. calls the capabilities do not grant). */
  readonly warnings: readonly string[];
  /** Memory as declared by the module (pages), for the report. */
  readonly memory: { readonly initialPages: number; readonly maxPages: number; readonly imported: boolean };
  readonly validatorVersion: string;
}

/** The Wasm features Ocre's runtimes execute; anything else fails validation. */
const WABT_FEATURES = {
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  bulk_memory: true,
  exceptions: false,
  simd: false,
  threads: false,
  function_references: false,
  multi_value: false,
  tail_call: false,
  reference_types: false,
  annotations: false,
  code_metadata: false,
  gc: false,
  memory64: false,
  extended_const: false,
  relaxed_simd: false,
} as const;

type Wabt = Awaited<ReturnType<typeof import("wabt")>>;
let wabtPromise: Promise<Wabt> | undefined;
function loadWabt(): Promise<Wabt> {
  wabtPromise ??= import("wabt").then((m) => m.default());
  return wabtPromise;
}

let versionCache: string | undefined;
/** Version of wabt in use (part of the build cache key). */
export function validatorVersion(): string {
  versionCache ??= (createRequire(import.meta.url)("wabt/package.json") as { version: string }).version;
  return versionCache;
}

export const ENTRY_POINT = "_start";
/** Features in a stable order, so the spec (and the report) do not depend on import order. */
const FEATURE_ORDER: readonly Feature[] = ["core", "timers", "gpio", "sensors", "messaging"];
/** Structural validation by wabt; throws OCRE_VALIDATE naming wabt's complaint. */
async function checkStructure(wasm: Uint8Array): Promise<void> {
  const wabt = await loadWabt();
  let module: ReturnType<Wabt["readWasm"]> | undefined;
  try {
    module = wabt.readWasm(wasm, { readDebugNames: false, check: true, ...WABT_FEATURES });
    module.validate();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const lines = text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
    throw new OcreError(
      "OCRE_VALIDATE",
      `the module is not valid for Ocre's runtimes: ${lines[0] ?? "wabt rejected it"}`,
      {
        details: lines.slice(1),
        hint: `Ocre runs Wasm 1.0 plus ${Object.entries(WABT_FEATURES)
          .filter(([, on]) => on)
          .map(([f]) => f)
          .join(", ")}`,
      },
    );
  } finally {
    module?.destroy();
  }
}

function sameSignature(
  a: { params: readonly string[]; results: readonly string[] },
  b: { params: readonly string[]; results: readonly string[] },
): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((p, i) => p === b.params[i]) &&
    a.results.every((r, i) => r === b.results[i])
  );
}

/**
 * Checks an optimised module against what Ocre runtimes provide and the app's limits, and
 * produces the ContainerSpec every later stage reads. Errors (each an OcreError, exit 1):
 * invalid structure, an import no runtime provides (with the closest known name), an import
 * with the wrong signature (both shown), a missing `_start` or memory, a memory without a
 * maximum or above the manifest's maxPages.
 */
/**
 * `fixedBytes`: for a fixed-memory container, what WAMR shrinks its memory to
 * (pipeline/fixed-memory.ts); recorded in the spec with the arena.
 */
export async function validate(wasm: Uint8Array, config: ResolvedConfig, fixedBytes?: number): Promise<ValidateResult> {
  await checkStructure(wasm);
  const summary: WasmSummary = readWasmSummary(wasm);
  const problems: { message: string; hint?: string }[] = [];
  // An ocre.yaml entry that is a prebuilt .wasm: the fixes are in its toolchain, not in AssemblyScript.
  const prebuilt = /\.wasm$/i.test(config.entry);
  const warnings: string[] = [];
  const features = new Set<Feature>(["core"]);
  const denied = new Map<string, string[]>();
  let memory: { initialPages: number; maxPages: number | null; imported: boolean } | undefined;

  for (const imp of summary.imports) {
    const key = `${imp.module}.${imp.name}`;
    if (imp.kind === "memory") {
      if (imp.module === "env" && imp.name === "memory")
        memory = { initialPages: imp.limits.initial, maxPages: imp.limits.maximum, imported: true };
      else problems.push({ message: `imports memory ${key}; Ocre's runtimes provide only env.memory` });
      continue;
    }
    if (imp.kind !== "function") {
      problems.push({
        message: `imports a ${imp.kind} (${key}); Ocre's runtimes provide only functions and env.memory`,
      });
      continue;
    }
    const known = findImport(imp.module, imp.name);
    if (known === undefined) {
      const suggestion = didYouMean(key, knownImportNames());
      problems.push({
        message: `imports ${key}, which no Ocre runtime provides${suggestion === "" ? "" : `; ${suggestion}`}`,
        hint: prebuilt
          ? "declare the Ocre functions as upstream's ocre_api.h does (docs/compat.md); cli/abi/table.ts lists what the runtime provides"
          : 'use the SDK\'s wrappers (import from "ocre"), or see cli/abi/table.ts for the functions the runtime provides',
      });
      continue;
    }
    if (!sameSignature(imp.type, known)) {
      problems.push({
        message: `imports ${key} with signature ${formatSignature(imp.type.params as ValType[], imp.type.results as ValType[])}, but the runtime provides ${formatSignature(known.params, known.results)}`,
        hint: `fix the @external declaration of ${imp.name} to ${formatSignature(known.params, known.results)}`,
      });
      continue;
    }
    if (known.module === "env") {
      const fn = known as AbiFunction;
      features.add(fn.feature);
      if (!isCallAllowed(fn, config.capabilities) && fn.capability !== null) {
        denied.set(fn.capability, [...(denied.get(fn.capability) ?? []), fn.name]);
      }
    }
  }
  for (const [capability, names] of denied) {
    warnings.push(
      `${names.join(", ")} need${names.length === 1 ? "s" : ""} the "${capability}" capability (or "ocre:api"), which ${config.manifestPath} does not list: such calls return -EPERM at run time`,
    );
  }

  const exportNames = summary.exports.map((e) => e.name);
  const start = summary.exports.find((e) => e.name === ENTRY_POINT);
  if (start === undefined || start.kind !== "function") {
    problems.push({
      message: `does not export the function ${ENTRY_POINT}`,
      hint: prebuilt
        ? "the runtime calls _start: link a WASI command (clang --target=wasm32-wasi with a main), not a reactor or library"
        : "the runtime calls _start; build with `ocre build` (its optimise stage exports the start function as _start)",
    });
  }
  if (memory === undefined) {
    const exported = summary.exports.find((e) => e.kind === "memory");
    const defined = summary.memories[0];
    if (defined !== undefined && exported !== undefined)
      memory = { initialPages: defined.initial, maxPages: defined.maximum, imported: false };
    else
      problems.push({
        message: "neither exports its memory nor imports env.memory",
        hint: 'the runtime reads and writes the container\'s memory; export it as "memory"',
      });
  }
  if (memory !== undefined) {
    if (memory.maxPages === null) {
      problems.push({
        message: "declares no memory maximum",
        hint: prebuilt
          ? `link it with one: -Wl,--max-memory=${config.memory.maxPages * 65536} (memory.maxPages ${config.memory.maxPages} in ${config.manifestPath})`
          : `set memory.maxPages in ${config.manifestPath}`,
      });
    } else if (memory.maxPages > config.memory.maxPages) {
      problems.push({
        message: `memory maximum is ${memory.maxPages} pages, over the limit of ${config.memory.maxPages} (memory.maxPages in ${config.manifestPath})`,
        hint: prebuilt
          ? `raise memory.maxPages to ${memory.maxPages} (at most 64), or link with -Wl,--max-memory=${config.memory.maxPages * 65536}`
          : `raise memory.maxPages (at most 64) or make the app use less memory`,
      });
    }
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new OcreError("OCRE_VALIDATE", `${config.name}: the container ${first.message}`, {
      details: problems.slice(1).map((p) => `also: the container ${p.message}`),
      ...(first.hint === undefined ? {} : { hint: first.hint }),
    });
  }

  const imports: ImportRef[] = summary.imports
    .filter((i) => i.kind === "function")
    .map((i) => ({ module: i.module, name: i.name }));
  const mem = memory!;
  const spec: ContainerSpec = Object.freeze({
    name: config.name,
    version: config.version,
    wasm,
    sha256: createHash("sha256").update(wasm).digest("hex"),
    imports: Object.freeze(imports),
    exports: Object.freeze(exportNames),
    features: Object.freeze(FEATURE_ORDER.filter((f) => features.has(f))),
    capabilities: config.capabilities,
    gpio: config.gpio,
    restart: config.restart,
    memory: Object.freeze({
      initialPages: mem.initialPages,
      maxPages: mem.maxPages ?? config.memory.maxPages,
      stackBytes: config.memory.stackBytes,
      heapBytes: config.memory.heapBytes,
      ...(config.memory.arenaBytes !== undefined && fixedBytes !== undefined
        ? { arenaBytes: config.memory.arenaBytes, fixedBytes }
        : {}),
    }),
    entryPoint: ENTRY_POINT,
    args: config.args,
    env: config.env,
  });
  return {
    spec,
    warnings,
    memory: {
      initialPages: mem.initialPages,
      maxPages: mem.maxPages ?? config.memory.maxPages,
      imported: mem.imported,
    },
    validatorVersion: validatorVersion(),
  };
}
