import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { packageRoot } from "../paths.js";
import { packageVersion } from "../version.js";
import { REPORT_FILE, serializeReport, type BuildReport } from "../report.js";
import type { ContainerSpec } from "../spec.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CMAKE_DIR, OLD_DIR, STAGE_DIR } from "./outputs.js";

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * The content-hash cache behind no-op rebuilds. After a successful build, build/.ocre-cache.json
 * records a key (ocre and tool versions, the manifest text, the build options) and the hash of
 * every file the compiler read, plus the paths it probed and did not find (a new file there
 * could change what an import resolves to). A later build with the same key, unchanged inputs
 * and intact outputs skips every stage. Checking needs no compiler, YAML parser or schema
 * validator, so a no-op build loads none of them.
 */
export const CACHE_FILE = ".ocre-cache.json";
export const CACHE_VERSION = 4;

export interface CacheEntry {
  readonly version: typeof CACHE_VERSION;
  readonly key: string;
  /**
   * Inputs (see inputName: relative to the build directory, or `ocre:` + a path in ocre's package)
   * with the sha256 of their content, or null for "looked for, absent".
   */
  readonly inputs: Readonly<Record<string, string | null>>;
  /** The spec without its bytes (those are build/<name>.wasm, checked by sha256). */
  readonly spec: Omit<ContainerSpec, "wasm">;
  readonly report: BuildReport;
  /** The entries the build wrote under build/ and their fingerprint (see fingerprintOutputs). */
  readonly outputs: { readonly names: readonly string[]; readonly fingerprint: string };
  /**
   * The CLI invocation that produced this build (see invocationKey) and every app directory it
   * built (relative to the build directory), so that the same command line can be answered
   * before the CLI's parser loads.
   */
  readonly invocation?: { readonly key: string; readonly appDirs: readonly string[] };
}

export interface ToolVersions {
  readonly ocre: string;
  readonly assemblyscript: string;
  readonly binaryen: string;
  readonly wabt: string;
}

let toolsCache: ToolVersions | undefined;
/** Versions of ocre and the tools that shape the output (cheap: reads four package.json files). */
export function toolVersions(): ToolVersions {
  if (toolsCache === undefined) {
    const require = createRequire(import.meta.url);
    const version = (req: NodeJS.Require, name: string) => (req(`${name}/package.json`) as { version: string }).version;
    const ascRequire = createRequire(require.resolve("assemblyscript/package.json"));
    toolsCache = {
      ocre: packageVersion(),
      assemblyscript: version(require, "assemblyscript"),
      binaryen: version(ascRequire, "binaryen"),
      wabt: version(require, "wabt"),
    };
  }
  return toolsCache;
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The cache key: the build plan's data (cli/config/plan.ts planKey) with the tool versions. */
export function cacheKey(plan: unknown): string {
  return sha256(JSON.stringify({ cache: CACHE_VERSION, tools: toolVersions(), plan }));
}

async function hashFile(file: string): Promise<string | null> {
  try {
    return sha256(await readFile(file));
  } catch {
    return null;
  }
}

/** Prefix of a cache input that lives in ocre's own package (the SDK, boards, templates). */
const OCRE_INPUT = "ocre:";

/**
 * How the cache names an input: relative to the build directory for the app's files, and
 * `ocre:<path in the package>` for ocre's own (SDK, boards, templates), so the entry names no
 * directory of this machine (not even as "../../home/me/ocre/sdk/...") and survives a move of
 * either the app or ocre.
 */
function inputName(buildDir: string, file: string): string {
  const inApp = path.relative(path.dirname(buildDir), file);
  const inOcre = path.relative(packageRoot, file);
  if (inApp.startsWith("..") && !inOcre.startsWith("..") && !path.isAbsolute(inOcre))
    return `${OCRE_INPUT}${inOcre.split(path.sep).join("/")}`;
  return path.relative(buildDir, file);
}

function inputPath(buildDir: string, name: string): string {
  return name.startsWith(OCRE_INPUT)
    ? path.join(packageRoot, name.slice(OCRE_INPUT.length))
    : path.resolve(buildDir, name);
}

/** Hashes the inputs of a finished build, for the cache entry (see inputName). */
export async function hashInputs(
  buildDir: string,
  files: readonly { path: string; found: boolean }[],
): Promise<Record<string, string | null>> {
  const entries = await Promise.all(
    files.map(async (f) => [inputName(buildDir, f.path), f.found ? await hashFile(f.path) : null] as const),
  );
  return Object.fromEntries(entries);
}

/**
 * The cached build of an app when nothing changed: same key, every input with the same hash
 * (absent ones still absent), and build/<name>.wasm and report.json still as written.
 * Returns the wasm bytes with the entry, or undefined (rebuild).
 */
export async function lookupCache(
  buildDir: string,
  key: string,
): Promise<{ entry: CacheEntry; wasm: Uint8Array } | undefined> {
  return lookup(buildDir, (entry) => entry.key === key);
}

/**
 * Like lookupCache, for the CLI's no-op fast path: the entry must come from the same command
 * line (same words, directory and environment), which implies the same options and key.
 */
export async function lookupInvocation(
  buildDir: string,
  invocation: string,
  appDirs: readonly string[],
): Promise<{ entry: CacheEntry; wasm: Uint8Array } | undefined> {
  return lookup(
    buildDir,
    (entry) =>
      entry.invocation !== undefined &&
      entry.invocation.key === invocation &&
      entry.invocation.appDirs.map((d) => path.resolve(buildDir, d)).join("\0") === appDirs.join("\0"),
  );
}

/**
 * A key for one command line: its words without those that only change what is printed, the
 * working directory, the environment that reaches the build, and the tool versions.
 */
export function invocationKey(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const printing = new Set(["--json", "--quiet", "-q", "--verbose", "-v", "--no-json", "--no-quiet", "--no-verbose"]);
  return sha256(
    JSON.stringify({
      argv: argv.filter((a) => !printing.has(a)),
      cwd,
      sourceDateEpoch: env.SOURCE_DATE_EPOCH ?? null,
      tools: toolVersions(),
    }),
  );
}

async function lookup(
  buildDir: string,
  accept: (entry: CacheEntry) => boolean,
): Promise<{ entry: CacheEntry; wasm: Uint8Array } | undefined> {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(await readFile(path.join(buildDir, CACHE_FILE), "utf8")) as CacheEntry;
  } catch {
    return undefined;
  }
  if (entry.version !== CACHE_VERSION || !accept(entry)) return undefined;
  // Leftovers of a killed build: the real build recovers them (cli/pipeline/outputs.ts).
  if ((await exists(path.join(buildDir, STAGE_DIR))) || (await exists(path.join(buildDir, OLD_DIR)))) return undefined;
  const checks = await Promise.all(
    Object.entries(entry.inputs).map(async ([file, hash]) => (await hashFile(inputPath(buildDir, file))) === hash),
  );
  if (!checks.every(Boolean)) return undefined;
  try {
    const [wasm, report] = await Promise.all([
      readFile(path.join(buildDir, entry.report.app.wasm)),
      readFile(path.join(buildDir, REPORT_FILE), "utf8"),
    ]);
    if (sha256(wasm) !== entry.spec.sha256 || report !== serializeReport(entry.report)) return undefined;
    if ((await fingerprintOutputs(buildDir, entry.outputs.names)).fingerprint !== entry.outputs.fingerprint)
      return undefined;
    return { entry, wasm: new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength) };
  } catch {
    return undefined;
  }
}

/**
 * Names, sizes and modification times of every file under build/ except the cache entry itself,
 * so that a deleted or edited output (build/oci, a generated west project, firmware images)
 * makes the next build run again instead of reporting outputs that are gone. The firmware
 * stage's CMake build trees (.ocre-cmake/) are left out: they are large and ninja tracks them.
 * A commit moves staged files by rename, which keeps sizes and times: the fingerprint of the
 * staging folder is the fingerprint of the committed outputs.
 */
export async function fingerprintOutputs(
  buildDir: string,
  only?: readonly string[],
): Promise<{ names: string[]; fingerprint: string }> {
  const names = (only ?? (await readdir(buildDir).catch(() => [] as string[])))
    .filter((n) => n !== CACHE_FILE && n !== CMAKE_DIR)
    .sort();
  const files: string[] = [];
  for (const name of names) {
    const top = path.join(buildDir, name);
    const info = await stat(top).catch(() => undefined);
    if (info === undefined) files.push(`${name}\0missing`);
    else if (info.isFile()) files.push(name);
    else {
      const entries = await readdir(top, { recursive: true, withFileTypes: true });
      for (const e of entries) if (e.isFile()) files.push(path.relative(buildDir, path.join(e.parentPath, e.name)));
    }
  }
  files.sort();
  const stats = await Promise.all(
    files.map(async (rel) => {
      if (rel.endsWith("\0missing")) return rel;
      const s = await stat(path.join(buildDir, rel));
      return `${rel}\0${s.size}\0${s.mtimeMs}`;
    }),
  );
  return { names, fingerprint: sha256(stats.join("\n")) };
}

/** Records a successful build; written last, so an interrupted build never looks cached. */
export async function storeCache(buildDir: string, entry: CacheEntry): Promise<void> {
  await writeFileAtomic(path.join(buildDir, CACHE_FILE), `${JSON.stringify(entry)}\n`);
}
