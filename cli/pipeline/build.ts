import path from "node:path";
import { OcreError } from "../errors.js";
import type { ResolvedConfig } from "../config/types.js";
import { planKey, type BuildPlan, type PlanFlags } from "../config/plan.js";
import type { ContainerSpec } from "../spec.js";
import { appReport, REPORT_FILE, REPORT_SCHEMA_VERSION, serializeReport, type BuildReport } from "../report.js";
import { writeFileAtomic } from "../util/atomic.js";
import { StagedOutputs } from "./outputs.js";
import { cachedAppBuild } from "./noop.js";
import {
  CACHE_FILE,
  CACHE_VERSION,
  cacheKey,
  hashInputs,
  lookupCache,
  fingerprintOutputs,
  storeCache,
  toolVersions,
  type CacheEntry,
} from "./cache.js";

/** Where stages send progress; the CLI passes its Output, tests pass nothing. */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
}

const silent: Logger = { info: () => {}, warn: () => {}, debug: () => {} };

/**
 * Options of one `ocre build` run: the flags the plan is resolved from (cli/config/plan.ts), plus
 * what only the driver reads.
 */
export interface BuildOptions extends PlanFlags {
  /**
   * The CLI's invocationKey for this command line (not part of the cache key): recorded so that
   * repeating the command is answered from the cache before the CLI parser loads.
   */
  readonly invocation?: string;
  /** Aborts the build before its outputs are committed (the CLI wires SIGINT/SIGTERM to it). */
  readonly signal?: AbortSignal;
  /**
   * Told every file the build depends on as it learns of it: read (`found`), or looked for and
   * absent (a file created there would change the build). A failing build reports what it read
   * up to the failure. `ocre build --watch` watches these files (cli/pipeline/watch.ts).
   */
  readonly onInput?: (file: string, found: boolean) => void;
}

/**
 * A stage other parts of ocre hook into the build. It receives the validated specs (one for a
 * per-app stage; every app's, in the order given, for a project stage), the config (of that app;
 * of the first app for a project stage), the build plan and a logger, and returns its section of
 * build/report.json. It writes its outputs under config.buildDir or plan.outDir, which during a
 * build are staging folders: the driver commits them all together (cli/pipeline/outputs.ts).
 */
export type HookedStage = (
  specs: readonly ContainerSpec[],
  config: ResolvedConfig,
  plan: BuildPlan,
  logger: Logger,
) => Promise<unknown>;

export interface StageHook {
  /** Key of the section in report.json ("image", "boards", "firmware"). */
  readonly section: string;
  /** Loaded lazily, so that `ocre build` only loads what runs. */
  readonly run: HookedStage;
}

/** The stages after build/<name>.wasm is written, run for each app in the order given. */
export const APP_STAGES: readonly StageHook[] = [
  // oci.package: build/oci, the app as an OCI image (report section "image").
  { section: "image", run: async (...a) => (await import("../oci/package.js")).packageStage(...a) },
  // signature (--sign): the image in build/oci signed in cosign's format, before boards embed it.
  { section: "signature", run: async (...a) => (await import("../sign/stage.js")).signStage(a[0], a[1], a[2]) },
];

/**
 * The stages over all apps, run once after every app is built (boards → west projects,
 * firmware), with every spec and the first app's config.
 */
export const PROJECT_STAGES: readonly StageHook[] = [
  // boards: the plan's boards → build/<board>/ west projects embedding every app (report section "boards").
  { section: "boards", run: async (...a) => (await import("../generate/index.js")).generateProjects(...a) },
  // firmware (after the boards stage): with --firmware, build/<board>/firmware/zephyr.{elf,bin,hex} (report section "firmware").
  // Loaded only with --firmware: the stage pulls in execa and the toolchain probes.
  {
    section: "firmware",
    run: async (...a) =>
      a[2].firmware.enabled ? (await import("../firmware/stage.js")).firmwareStage(...a) : undefined,
  },
];

export interface AppBuild {
  readonly config: ResolvedConfig | undefined;
  readonly appDir: string;
  readonly buildDir: string;
  readonly spec: ContainerSpec;
  readonly report: BuildReport;
  /** Served from the content-hash cache: no stage ran and nothing was written. */
  readonly cached: boolean;
  readonly wasmPath: string;
  readonly reportPath: string;
  readonly warnings: readonly string[];
}

export interface BuildResult {
  readonly apps: readonly AppBuild[];
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** The plan's cache key: the plan's data, the stage list and the tool versions. */
function planCacheKey(plan: BuildPlan): string {
  return cacheKey({ plan: planKey(plan), stages: [...APP_STAGES, ...PROJECT_STAGES].map((s) => s.section) });
}

interface Built {
  config: ResolvedConfig;
  spec: ContainerSpec;
  report: BuildReport;
  inputs: { path: string; found: boolean }[];
  warnings: string[];
}

/**
 * An ocre.yaml whose entry is a prebuilt `.wasm`: read → validate, in memory. The module's bytes
 * are packaged as they are; validate() checks them exactly as it checks a compiled app.
 */
async function prebuiltInMemory(config: ResolvedConfig, logger: Logger): Promise<Built> {
  const [{ readPrebuilt }, { validate }] = await Promise.all([import("./prebuilt.js"), import("./validate.js")]);
  const entry = path.relative(config.appDir, config.entry).split(path.sep).join("/");
  logger.debug(`${config.name}: prebuilt module ${entry}`);
  const start = performance.now();
  const wasm = await readPrebuilt(config);
  const readMs = elapsed(start);
  const validated = await validateLogged(validate, wasm, config, logger);
  return built(
    config,
    validated,
    {
      // Nothing compiled or optimised: both stages name the module they took as it is.
      compile: { sizeBytes: wasm.length, sourceFiles: 0, prebuilt: entry, timeMs: readMs },
      optimise: { sizeBytes: wasm.length, profile: config.optimize, rounds: 0, timeMs: 0 },
    },
    [
      { path: config.manifestPath, found: true },
      { path: config.entry, found: true },
    ],
    [],
  );
}

type Validate = typeof import("./validate.js").validate;
type Validated = Awaited<ReturnType<Validate>> & { timeMs: number };

/** validate(), timed, its warnings logged. */
async function validateLogged(
  validate: Validate,
  wasm: Uint8Array,
  config: ResolvedConfig,
  logger: Logger,
  fixedBytes?: number,
): Promise<Validated> {
  const start = performance.now();
  const validated = await validate(wasm, config, fixedBytes);
  const timeMs = elapsed(start);
  for (const w of validated.warnings) logger.warn(w);
  return { ...validated, timeMs };
}

/** The in-memory result and its report, for a compiled or a prebuilt module alike. */
function built(
  config: ResolvedConfig,
  validated: Validated,
  stages: Pick<BuildReport["stages"], "compile" | "optimise">,
  inputs: Built["inputs"],
  earlierWarnings: readonly string[],
): Built {
  const tools = toolVersions();
  const report: BuildReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    ocreVersion: tools.ocre,
    tools: { assemblyscript: tools.assemblyscript, binaryen: tools.binaryen, wabt: tools.wabt },
    app: appReport(validated.spec, config, validated.memory.imported),
    stages: {
      ...stages,
      validate: { warnings: validated.warnings, timeMs: validated.timeMs },
      write: { file: `${config.name}.wasm`, timeMs: 0 },
    },
  };
  return { config, spec: validated.spec, report, inputs, warnings: [...earlierWarnings, ...validated.warnings] };
}

/** compile → optimise → validate, in memory. Throws on the first failing stage; writes nothing. */
async function buildInMemory(config: ResolvedConfig, logger: Logger, onInput: BuildOptions["onInput"]): Promise<Built> {
  const { isPrebuiltEntry } = await import("./prebuilt.js");
  onInput?.(config.manifestPath, true);
  if (isPrebuiltEntry(config.entry)) {
    onInput?.(config.entry, true);
    return prebuiltInMemory(config, logger);
  }
  const [{ compile }, { optimise }, { validate }] = await Promise.all([
    import("./compile.js"),
    import("./optimise.js"),
    import("./validate.js"),
  ]);
  logger.debug(
    `${config.name}: compiling ${path.relative(config.appDir, config.entry)} (${config.runtime} runtime, ${config.optimize} profile${config.debug ? ", debug" : ""})`,
  );

  let start = performance.now();
  const compiled = await compile(config, onInput);
  const compileMs = elapsed(start);
  for (const w of compiled.warnings) logger.warn(w);

  start = performance.now();
  const optimised = await optimise(compiled.wasm, { profile: config.optimize, debug: config.debug });
  const optimiseMs = elapsed(start);

  // Fixed memory: export what WAMR needs to shrink the memory to static data + arena.
  const fixed =
    config.memory.arenaBytes === undefined
      ? undefined
      : await (
          await import("./fixed-memory.js")
        ).finishFixedMemory(optimised.wasm, config.memory.arenaBytes, {
          debug: config.debug,
          manifestPath: config.manifestPath,
        });

  const validated = await validateLogged(validate, fixed?.wasm ?? optimised.wasm, config, logger, fixed?.fixedBytes);
  return built(
    config,
    validated,
    {
      compile: {
        sizeBytes: compiled.wasm.length,
        sourceFiles: compiled.inputs.filter((i) => i.found).length,
        timeMs: compileMs,
      },
      optimise: {
        sizeBytes: optimised.wasm.length,
        profile: config.optimize,
        rounds: optimised.rounds,
        timeMs: optimiseMs,
      },
    },
    [{ path: config.manifestPath, found: true }, ...compiled.inputs],
    compiled.warnings,
  );
}

export { buildFromCache } from "./noop.js";

function interrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new OcreError("OCRE_INTERRUPTED", "build interrupted; the previous outputs are unchanged");
}

/** The plan with every output directory replaced by its staging folder. */
function stagedPlan(plan: BuildPlan, outputs: StagedOutputs): BuildPlan {
  return Object.freeze({
    ...plan,
    outDir: outputs.stage(plan.outDir),
    apps: Object.freeze(plan.apps.map((a) => Object.freeze({ ...a, buildDir: outputs.stage(a.buildDir) }))),
  });
}

/**
 * `ocre build`: resolves the BuildPlan, then for each app compile → optimise → validate, then
 * writes build/<name>.wasm → APP_STAGES; then PROJECT_STAGES over all apps; then
 * build/report.json and the cache entry. Every output goes to a staging folder first and all of
 * them are committed together once every stage succeeded, so a failing or interrupted build
 * leaves every build directory as it was. When the plan and every input are unchanged the build
 * is served from the cache (no stage runs, nothing is written).
 */
export async function buildApps(
  dirs: readonly string[],
  options: BuildOptions = {},
  logger: Logger = silent,
): Promise<BuildResult> {
  const { resolveBuildPlan } = await import("../config/plan.js");
  const plan = await resolveBuildPlan(dirs, options);
  for (const input of plan.inputs) options.onInput?.(input.path, input.found);
  for (const o of plan.catalog.overridden) logger.debug(`board ${o.id}: ${o.by} overrides ${o.file}`);
  const key = planCacheKey(plan);

  // A firmware build always runs: its inputs include the Zephyr tree and toolchain, which only
  // ninja tracks.
  if (!plan.rebuild && !plan.firmware.enabled) {
    const hits = await Promise.all(plan.apps.map((config) => lookupCache(config.buildDir, key)));
    if (hits.every((h) => h !== undefined)) {
      for (const [i, hit] of hits.entries())
        for (const [file, hash] of Object.entries(hit!.entry.inputs))
          options.onInput?.(path.resolve(plan.apps[i]!.buildDir, file), hash !== null);
      return {
        apps: hits.map((hit, i) =>
          cachedAppBuild(plan.apps[i]!.appDir, plan.apps[i]!.buildDir, hit!.entry, hit!.wasm, logger),
        ),
      };
    }
  }

  // Some app changed: rebuild them all, since project stages combine every app's spec.
  const built: Built[] = [];
  for (const config of plan.apps) {
    built.push(await buildInMemory(config, logger, options.onInput));
    interrupted(options.signal);
  }
  const names = new Map<string, string>();
  for (const b of built) {
    const other = names.get(`${b.config.buildDir}/${b.config.name}`);
    if (other !== undefined)
      throw new OcreError(
        "OCRE_BUILD_CONFLICT",
        `${b.config.appDir} and ${other} both write ${b.config.name}.wasm to ${b.config.buildDir}`,
      );
    names.set(`${b.config.buildDir}/${b.config.name}`, b.config.appDir);
  }

  const outputs = await StagedOutputs.begin([...plan.apps.map((a) => a.buildDir), plan.outDir]);
  try {
    const staged = stagedPlan(plan, outputs);
    const sections = new Map<Built, Record<string, unknown>>(built.map((b) => [b, {}]));
    for (const [i, b] of built.entries()) {
      const config = staged.apps[i]!;
      const start = performance.now();
      await writeFileAtomic(path.join(config.buildDir, `${b.config.name}.wasm`), b.spec.wasm);
      b.report = {
        ...b.report,
        stages: { ...b.report.stages, write: { ...b.report.stages.write, timeMs: elapsed(start) } },
      };
      for (const stage of APP_STAGES) {
        sections.get(b)![stage.section] = await stage.run([b.spec], config, staged, logger);
        interrupted(options.signal);
      }
    }
    const first = built[0]!;
    for (const stage of PROJECT_STAGES) {
      sections.get(first)![stage.section] = await stage.run(
        built.map((b) => b.spec),
        staged.apps[0]!,
        staged,
        logger,
      );
      interrupted(options.signal);
    }

    const apps: AppBuild[] = [];
    for (const [i, b] of built.entries()) {
      const stageDir = staged.apps[i]!.buildDir;
      const report: BuildReport = { ...b.report, ...sections.get(b) };
      await writeFileAtomic(path.join(stageDir, REPORT_FILE), serializeReport(report));
      // The bytes are build/<name>.wasm; the entry keeps the rest of the spec.
      const specWithoutBytes = Object.fromEntries(Object.entries(b.spec).filter(([k]) => k !== "wasm")) as Omit<
        ContainerSpec,
        "wasm"
      >;
      const entry: CacheEntry = {
        version: CACHE_VERSION,
        key,
        inputs: await hashInputs(b.config.buildDir, [...b.inputs, ...plan.inputs]),
        spec: specWithoutBytes,
        report,
        outputs: await fingerprintOutputs(stageDir),
        ...(options.invocation === undefined || plan.firmware.enabled
          ? {}
          : {
              invocation: {
                key: options.invocation,
                appDirs: plan.apps.map((a) => path.relative(b.config.buildDir, a.appDir)),
              },
            }),
      };
      await storeCache(stageDir, entry);
      apps.push({
        config: b.config,
        appDir: b.config.appDir,
        buildDir: b.config.buildDir,
        spec: b.spec,
        report,
        cached: false,
        wasmPath: path.join(b.config.buildDir, `${b.config.name}.wasm`),
        reportPath: path.join(b.config.buildDir, REPORT_FILE),
        warnings: b.warnings,
      });
    }
    interrupted(options.signal);
    await outputs.commit([CACHE_FILE]);
    return { apps };
  } finally {
    await outputs.abort();
  }
}

export interface FromImageBuild {
  /** Where the image came from (a layout path or a registry reference) and its digest. */
  readonly from: string;
  readonly digest: string;
  readonly spec: ContainerSpec;
  readonly buildDir: string;
  /** Sections the project stages returned (boards, firmware). */
  readonly sections: Readonly<Record<string, unknown>>;
}

/**
 * `ocre build --from-image <ref>`: no compile. The ContainerSpec comes out of an OCI image (local
 * or pulled and verified), and only the project stages (west projects, firmware) run, with
 * outputs under `<cwd>/build` (or --out-dir). CI builds the image once and generates firmware
 * for many boards from it.
 */
export async function buildFromImage(
  ref: string,
  cwd: string,
  options: BuildOptions = {},
  logger: Logger = silent,
): Promise<FromImageBuild> {
  const { specFromImage, configFromImage } = await import("../oci/from-image.js");
  const image = await specFromImage(ref, { cwd, registry: { logger } });
  logger.debug(`${image.spec.name} ${image.spec.version}: from ${image.from} (${image.digest})`);
  for (const w of image.warnings) logger.warn(w);
  const { planFor } = await import("../config/plan.js");
  const plan = await planFor([configFromImage(image, cwd, options)], cwd, options);
  const outputs = await StagedOutputs.begin([plan.outDir]);
  try {
    const staged = stagedPlan(plan, outputs);
    const sections: Record<string, unknown> = {};
    for (const stage of PROJECT_STAGES) {
      sections[stage.section] = await stage.run([image.spec], staged.apps[0]!, staged, logger);
      interrupted(options.signal);
    }
    await outputs.commit();
    return { from: image.from, digest: image.digest, spec: image.spec, buildDir: plan.outDir, sections };
  } finally {
    await outputs.abort();
  }
}
