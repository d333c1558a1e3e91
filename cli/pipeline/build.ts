import path from "node:path";
import { readFile } from "node:fs/promises";
import { OcreError } from "../errors.js";
import type { ResolvedConfig } from "../config/types.js";
import type { ConfigFlags } from "../config/resolve.js";
import { MANIFEST_FILE } from "../config/manifest.js";
import type { ContainerSpec } from "../spec.js";
import { appReport, REPORT_FILE, REPORT_SCHEMA_VERSION, serializeReport, type BuildReport } from "../report.js";
import { writeFileAtomic } from "../util/atomic.js";
import {
  CACHE_FILE,
  cacheKey,
  hashInputs,
  lookupCache,
  lookupInvocation,
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
 * Options of one `ocre build` run. Hooked stages add their own fields here (e.g. `firmware`);
 * every field is part of the cache key, so changing one rebuilds.
 */
export interface BuildOptions extends ConfigFlags {
  /** Ignore the cache and run every stage. */
  readonly force?: boolean;
  /** Output directory for the project-wide stages (firmware), default the first app's build dir. */
  readonly out?: string;
  /**
   * The CLI's invocationKey for this command line (not part of the cache key): recorded so that
   * repeating the command is answered from the cache before the CLI parser loads.
   */
  readonly invocation?: string;
  /** --firmware: build each board's generated project into a flashable image (cli/firmware/). */
  readonly firmware?: boolean;
  /** --toolchain for --firmware: the Zephyr SDK or the distribution's GNU cross compilers. */
  readonly toolchain?: "zephyr-sdk" | "gnu";
  /** SOURCE_DATE_EPOCH as the command found it: the image's `created` time (oci.package). */
  readonly sourceDateEpoch?: string;
  /** --board-root: extra folders of board files (boards and firmware stages). */
  readonly boardRoots?: readonly string[];
  /** --zephyr: the Zephyr version generated projects pin ("3.7", "4.4"). */
  readonly zephyr?: string;
}

/**
 * A stage other parts of ocre hook into the build. It receives the validated specs (one for a
 * per-app stage; every app's, in the order given, for a project stage), the config (of that app;
 * of the first app for a project stage), the build options and a logger, and returns its section
 * of build/report.json. It writes its own outputs atomically under config.buildDir.
 */
export type HookedStage = (
  specs: readonly ContainerSpec[],
  config: ResolvedConfig,
  options: BuildOptions,
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
];

/**
 * The stages over all apps, run once after every app is built (boards → west projects,
 * firmware), with every spec and the first app's config.
 */
export const PROJECT_STAGES: readonly StageHook[] = [
  // boards: with --board (or the manifest's boards), build/<board>/ west projects embedding every app (report section "boards").
  { section: "boards", run: async (...a) => (await import("../generate/index.js")).generateProjects(...a) },
  // firmware (after the boards stage): with --firmware, build/<board>/firmware/zephyr.{elf,bin,hex} (report section "firmware").
  // Loaded only with --firmware: the stage pulls in execa and the toolchain probes.
  {
    section: "firmware",
    run: async (...a) => (a[2].firmware ? (await import("../firmware/stage.js")).firmwareStage(...a) : undefined),
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

/** Options as they enter the cache key: plain data only. */
function keyOptions(options: BuildOptions): Record<string, unknown> {
  return {
    debug: options.debug ?? false,
    optimize: options.optimize ?? null,
    runtime: options.runtime ?? null,
    outDir: options.outDir ?? null,
    boards: options.boards ?? null,
    out: options.out ?? null,
    extra: Object.fromEntries(
      Object.entries(options)
        .filter(
          ([k, v]) =>
            !["debug", "optimize", "runtime", "outDir", "boards", "out", "force", "logger", "invocation"].includes(k) &&
            typeof v !== "function",
        )
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
    stages: [...APP_STAGES, ...PROJECT_STAGES].map((s) => s.section),
  };
}

interface Built {
  config: ResolvedConfig;
  spec: ContainerSpec;
  report: BuildReport;
  inputs: { path: string; found: boolean }[];
  warnings: string[];
}

/** compile → optimise → validate, in memory. Throws on the first failing stage; writes nothing. */
async function buildInMemory(appDir: string, options: BuildOptions, logger: Logger): Promise<Built> {
  const [{ resolveConfig }, { compile }, { optimise }, { validate }] = await Promise.all([
    import("../config/resolve.js"),
    import("./compile.js"),
    import("./optimise.js"),
    import("./validate.js"),
  ]);
  const config = await resolveConfig(appDir, options);
  logger.debug(
    `${config.name}: compiling ${path.relative(config.appDir, config.entry)} (${config.runtime} runtime, ${config.optimize} profile${config.debug ? ", debug" : ""})`,
  );

  let start = performance.now();
  const compiled = await compile(config);
  const compileMs = elapsed(start);
  for (const w of compiled.warnings) logger.warn(w);

  start = performance.now();
  const optimised = await optimise(compiled.wasm, { profile: config.optimize, debug: config.debug });
  const optimiseMs = elapsed(start);

  start = performance.now();
  const validated = await validate(optimised.wasm, config);
  const validateMs = elapsed(start);
  for (const w of validated.warnings) logger.warn(w);

  const tools = toolVersions();
  const report: BuildReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    ocreVersion: tools.ocre,
    tools: { assemblyscript: tools.assemblyscript, binaryen: tools.binaryen, wabt: tools.wabt },
    app: appReport(validated.spec, config, validated.memory.imported),
    stages: {
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
      validate: { warnings: validated.warnings, timeMs: validateMs },
      write: { file: `${config.name}.wasm`, timeMs: 0 },
    },
  };
  const manifest = { path: path.join(config.appDir, MANIFEST_FILE), found: true };
  return {
    config,
    spec: validated.spec,
    report,
    inputs: [manifest, ...compiled.inputs],
    warnings: [...compiled.warnings, ...validated.warnings],
  };
}

function cachedAppBuild(
  appDir: string,
  buildDir: string,
  entry: CacheEntry,
  wasm: Uint8Array,
  logger: Logger,
): AppBuild {
  logger.debug(`${entry.spec.name}: unchanged, served from ${path.join(buildDir, CACHE_FILE)}`);
  return {
    config: undefined,
    appDir,
    buildDir,
    spec: Object.freeze({ ...entry.spec, wasm }),
    report: entry.report,
    cached: true,
    wasmPath: path.join(buildDir, entry.report.app.wasm),
    reportPath: path.join(buildDir, REPORT_FILE),
    warnings: entry.report.stages.validate.warnings,
  };
}

/**
 * The no-op answer to a repeated command line (CLI fast path): every app built by the same
 * invocation, with unchanged inputs and outputs. Undefined means "run the real build".
 */
export async function buildFromCache(
  appDirs: readonly string[],
  invocation: string,
  logger: Logger = silent,
): Promise<BuildResult | undefined> {
  const hits = await Promise.all(
    appDirs.map(async (appDir) => {
      const buildDir = path.join(appDir, "build");
      const hit = await lookupInvocation(buildDir, invocation, appDirs);
      return hit && cachedAppBuild(appDir, buildDir, hit.entry, hit.wasm, logger);
    }),
  );
  return hits.every((h) => h !== undefined) ? { apps: hits as AppBuild[] } : undefined;
}

/**
 * `ocre build`: for each app directory, compile → optimise → validate → write
 * build/<name>.wasm → APP_STAGES; then PROJECT_STAGES over all apps; then build/report.json
 * and the cache entry. Every app is compiled and validated before anything is written, so a
 * failing app leaves every build directory as it was. Apps whose inputs are unchanged are
 * served from the cache (no stage runs, nothing is written).
 */
export async function buildApps(
  dirs: readonly string[],
  options: BuildOptions = {},
  logger: Logger = silent,
): Promise<BuildResult> {
  if (dirs.length === 0) throw new OcreError("OCRE_USAGE", "no app directory given", { hint: "ocre build [dir..]" });
  const appDirs = dirs.map((d) => path.resolve(d));
  const optionsKey = keyOptions(options);

  // Cache check first: it needs only the manifest text and file hashes. A firmware build always
  // runs: its inputs include the Zephyr tree and toolchain, which only ninja tracks.
  const cachedApps = await Promise.all(
    appDirs.map(async (appDir) => {
      if (options.force || options.firmware) return undefined;
      const manifestText = await readFile(path.join(appDir, MANIFEST_FILE), "utf8").catch(() => undefined);
      if (manifestText === undefined) return undefined;
      const buildDir = path.resolve(appDir, options.outDir ?? "build");
      const key = cacheKey(manifestText, optionsKey);
      const hit = await lookupCache(buildDir, key);
      return hit && { ...hit, buildDir, key };
    }),
  );
  if (cachedApps.every((c) => c !== undefined)) {
    return {
      apps: cachedApps.map((hit, i) => cachedAppBuild(appDirs[i]!, hit!.buildDir, hit!.entry, hit!.wasm, logger)),
    };
  }

  // Some app changed: rebuild them all, since project stages combine every app's spec.
  const built: Built[] = [];
  for (const appDir of appDirs) built.push(await buildInMemory(appDir, options, logger));
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

  const sections = new Map<Built, Record<string, unknown>>(built.map((b) => [b, {}]));
  for (const b of built) {
    const start = performance.now();
    await writeFileAtomic(path.join(b.config.buildDir, `${b.config.name}.wasm`), b.spec.wasm);
    b.report = {
      ...b.report,
      stages: { ...b.report.stages, write: { ...b.report.stages.write, timeMs: elapsed(start) } },
    };
    for (const stage of APP_STAGES)
      sections.get(b)![stage.section] = await stage.run([b.spec], b.config, options, logger);
  }
  const first = built[0]!;
  for (const stage of PROJECT_STAGES) {
    sections.get(first)![stage.section] = await stage.run(
      built.map((b) => b.spec),
      first.config,
      options,
      logger,
    );
  }

  const apps: AppBuild[] = [];
  for (const b of built) {
    const report: BuildReport = { ...b.report, ...sections.get(b) };
    const reportPath = path.join(b.config.buildDir, REPORT_FILE);
    await writeFileAtomic(reportPath, serializeReport(report));
    const manifestText = await readFile(b.config.manifestPath, "utf8");
    // The bytes are build/<name>.wasm; the entry keeps the rest of the spec.
    const specWithoutBytes = Object.fromEntries(Object.entries(b.spec).filter(([k]) => k !== "wasm")) as Omit<
      ContainerSpec,
      "wasm"
    >;
    const entry: CacheEntry = {
      version: 2,
      key: cacheKey(manifestText, optionsKey),
      inputs: await hashInputs(b.inputs),
      spec: specWithoutBytes,
      report,
      outputs: await fingerprintOutputs(b.config.buildDir),
      ...(options.invocation === undefined || options.firmware
        ? {}
        : { invocation: { key: options.invocation, appDirs } }),
    };
    await storeCache(b.config.buildDir, entry);
    apps.push({
      config: b.config,
      appDir: b.config.appDir,
      buildDir: b.config.buildDir,
      spec: b.spec,
      report,
      cached: false,
      wasmPath: path.join(b.config.buildDir, `${b.config.name}.wasm`),
      reportPath,
      warnings: b.warnings,
    });
  }
  return { apps };
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
  const config = configFromImage(image, cwd, options);
  const sections: Record<string, unknown> = {};
  for (const stage of PROJECT_STAGES) sections[stage.section] = await stage.run([image.spec], config, options, logger);
  return { from: image.from, digest: image.digest, spec: image.spec, buildDir: config.buildDir, sections };
}
