import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { packageVersion } from "../version.js";
import { REPORT_FILE, serializeReport, type BuildReport } from "../report.js";
import type { ContainerSpec } from "../spec.js";
import { writeFileAtomic } from "../util/atomic.js";

/**
 * The content-hash cache behind no-op rebuilds. After a successful build, build/.ocre-cache.json
 * records a key (ocre and tool versions, the manifest text, the build options) and the hash of
 * every file the compiler read, plus the paths it probed and did not find (a new file there
 * could change what an import resolves to). A later build with the same key, unchanged inputs
 * and intact outputs skips every stage. Checking needs no compiler, YAML parser or schema
 * validator, so a no-op build loads none of them.
 */
export const CACHE_FILE = ".ocre-cache.json";
const CACHE_VERSION = 2;

export interface CacheEntry {
  readonly version: typeof CACHE_VERSION;
  readonly key: string;
  /** Absolute paths with the sha256 of their content, or null for "looked for, absent". */
  readonly inputs: Readonly<Record<string, string | null>>;
  /** The spec without its bytes (those are build/<name>.wasm, checked by sha256). */
  readonly spec: Omit<ContainerSpec, "wasm">;
  readonly report: BuildReport;
  /** Fingerprint of everything the stages wrote under build/ (see fingerprintOutputs). */
  readonly outputs: string;
  /**
   * The CLI invocation that produced this build (see invocationKey) and every app directory it
   * built, so that the same command line can be answered before the CLI's parser loads.
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

/** The cache key: everything besides source files that changes the output. */
export function cacheKey(manifestText: string, options: unknown): string {
  return sha256(JSON.stringify({ cache: CACHE_VERSION, tools: toolVersions(), manifest: manifestText, options }));
}

async function hashFile(file: string): Promise<string | null> {
  try {
    return sha256(await readFile(file));
  } catch {
    return null;
  }
}

/** Hashes the inputs of a finished build, for the cache entry. */
export async function hashInputs(
  files: readonly { path: string; found: boolean }[],
): Promise<Record<string, string | null>> {
  const entries = await Promise.all(files.map(async (f) => [f.path, f.found ? await hashFile(f.path) : null] as const));
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
      entry.invocation.appDirs.join("\0") === appDirs.join("\0"),
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
  const checks = await Promise.all(
    Object.entries(entry.inputs).map(async ([file, hash]) => (await hashFile(file)) === hash),
  );
  if (!checks.every(Boolean)) return undefined;
  try {
    const [wasm, report] = await Promise.all([
      readFile(path.join(buildDir, entry.report.app.wasm)),
      readFile(path.join(buildDir, REPORT_FILE), "utf8"),
    ]);
    if (sha256(wasm) !== entry.spec.sha256 || report !== serializeReport(entry.report)) return undefined;
    if ((await fingerprintOutputs(buildDir)) !== entry.outputs) return undefined;
    return { entry, wasm: new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength) };
  } catch {
    return undefined;
  }
}

/**
 * Names, sizes and modification times of every file under build/ except the cache entry itself,
 * so that a deleted or edited output (build/oci, a generated west project, firmware images)
 * makes the next build run again instead of reporting outputs that are gone. A firmware
 * stage's CMake build tree (firmware/build/) is left out: it is large and ninja tracks it.
 */
export async function fingerprintOutputs(buildDir: string): Promise<string> {
  const entries = await readdir(buildDir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(buildDir, path.join(e.parentPath, e.name)))
    .filter((rel) => rel !== CACHE_FILE && !/(^|[\\/])firmware[\\/]build[\\/]/.test(rel))
    .sort();
  const stats = await Promise.all(
    files.map(async (rel) => {
      const s = await stat(path.join(buildDir, rel));
      return `${rel}\0${s.size}\0${s.mtimeMs}`;
    }),
  );
  return sha256(stats.join("\n"));
}

/** Records a successful build; written last, so an interrupted build never looks cached. */
export async function storeCache(buildDir: string, entry: CacheEntry): Promise<void> {
  await writeFileAtomic(path.join(buildDir, CACHE_FILE), `${JSON.stringify(entry)}\n`);
}
