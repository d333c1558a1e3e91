import { existsSync, readFile, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import path from "node:path";
import { OcreError } from "../errors.js";
import { packageRoot } from "../paths.js";
import type { ResolvedConfig } from "../config/types.js";

const readFileAsync = promisify(readFile);

/** Wasm features every Ocre runtime (WAMR interpreter, host simulator) executes. */
export const WASM_FEATURES = ["sign-extension", "mutable-globals", "nontrapping-f2i", "bulk-memory"] as const;
/** AssemblyScript defaults we switch off because WAMR's interpreters on MCUs do not run them. */
const DISABLED_FEATURES = [
  "simd",
  "reference-types",
  "multi-value",
  "relaxed-simd",
  "threads",
  "gc",
  "exception-handling",
  "tail-calls",
  "extended-const",
  "memory64",
  "stringref",
];

/** A file the compiler looked for: its content hash when found, null when it was absent. */
export interface InputFile {
  readonly path: string;
  readonly found: boolean;
}

export interface CompileResult {
  /** Unoptimised module bytes. */
  readonly wasm: Uint8Array;
  /** Every file the compiler asked for (found or not), absolute paths; the cache watches them. */
  readonly inputs: readonly InputFile[];
  readonly warnings: readonly string[];
  readonly compilerVersion: string;
}

export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly code: number;
  readonly message: string;
  /** "file:line:col" (file relative to the app directory), or null for global messages. */
  readonly location: string | null;
  /** The source line and a caret under the column. */
  readonly excerpt: readonly string[];
}

let compilerVersionCache: string | undefined;
/** The AssemblyScript compiler's version (part of the build cache key). */
export function compilerVersion(): string {
  compilerVersionCache ??= (createRequire(import.meta.url)("assemblyscript/package.json") as { version: string })
    .version;
  return compilerVersionCache;
}

let sdkDirCache: string | undefined;
/**
 * Where `import ... from "ocre"` resolves: the directory of this package's `ascMain`. The
 * compiler looks for `node_modules/ocre/<file>.ts` (it does not read `ascMain` itself), so we
 * serve those lookups from here: apps without node_modules compile, and an app always builds
 * against the SDK of the ocre that builds it (the one whose ABI table validates it).
 */
function sdkRoot(): string {
  if (sdkDirCache === undefined) {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { ascMain?: string };
    sdkDirCache = path.join(packageRoot, path.dirname(pkg.ascMain ?? "sdk/index.ts"));
  }
  return sdkDirCache;
}

const NODE_MODULES_OCRE = `${path.sep}node_modules${path.sep}ocre${path.sep}`;

/**
 * Maps a path the compiler asks for to the file on disk that serves it. `ocre` resolves to the
 * SDK directory (so the SDK's relative imports work); a deeper path that is not in the SDK
 * (`ocre/sdk/bindings/env`) resolves against the package root, as it would in node_modules.
 */
export function serveFrom(absPath: string): string {
  const at = absPath.lastIndexOf(NODE_MODULES_OCRE);
  if (at < 0) return absPath;
  const rest = absPath.slice(at + NODE_MODULES_OCRE.length);
  const inSdk = path.join(sdkRoot(), rest);
  return existsSync(inSdk) ? inSdk : path.join(packageRoot, rest);
}

function lineAndColumn(text: string, offset: number): { line: number; col: number; lineText: string } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  const end = text.indexOf("\n", start);
  const lineText = text.slice(start, end < 0 ? undefined : end).replace(/\r$/, "");
  return { line, col: offset - start + 1, lineText };
}

/** Formats one diagnostic as the lines a user sees: "file:line:col: error TS1234: message", source, caret. */
export function formatDiagnostic(d: Diagnostic): string[] {
  const head = `${d.location === null ? "" : `${d.location}: `}${d.severity} AS${d.code}: ${d.message}`;
  return [head, ...d.excerpt];
}

interface AscDiagnostic {
  code: number;
  category: number;
  message: string;
  range: { start: number; end: number; source: { normalizedPath: string } } | null;
}

/** The file a compiler path names ("assembly/index.ts", "~lib/ocre/gpio.ts"); null for the standard library. */
function sourceFile(normalizedPath: string, appDir: string): string | null {
  if (normalizedPath.startsWith("~lib/ocre/"))
    return serveFrom(path.join(path.sep, "node_modules", "ocre", normalizedPath.slice("~lib/ocre/".length)));
  if (normalizedPath.startsWith("~lib/")) return null;
  return path.resolve(appDir, normalizedPath);
}

/**
 * A diagnostic with its location relative to the app directory. The compiler's diagnostic
 * carries only the path and offsets, so the source text comes from what we served it.
 */
function toDiagnostic(d: AscDiagnostic, appDir: string, texts: ReadonlyMap<string, string>): Diagnostic {
  const severity = d.category === 3 ? "error" : "warning";
  if (d.range === null) return { severity, code: d.code, message: d.message, location: null, excerpt: [] };
  const file = sourceFile(d.range.source.normalizedPath, appDir);
  const text = file === null ? undefined : texts.get(file);
  const shown = file === null ? d.range.source.normalizedPath : path.relative(appDir, file).split(path.sep).join("/");
  if (text === undefined) return { severity, code: d.code, message: d.message, location: shown, excerpt: [] };
  const { line, col, lineText } = lineAndColumn(text, d.range.start);
  const width = Math.max(1, Math.min(d.range.end - d.range.start, lineText.length - col + 1));
  const gutter = `${line} | `;
  return {
    severity,
    code: d.code,
    message: d.message,
    location: `${shown}:${line}:${col}`,
    excerpt: [`${gutter}${lineText}`, `${" ".repeat(gutter.length + col - 1)}${"^".repeat(width)}`],
  };
}

/**
 * Defines for the SDK: the arena of a fixed-memory container (sdk/rt/arena.ts), and whether the
 * event loop collects garbage between events (sdk/events.ts; the "minimal" runtime collects only
 * when asked).
 */
function fixedMemoryArgs(config: ResolvedConfig): string[] {
  const args: string[] = [];
  if (config.memory.arenaBytes !== undefined) args.push("--use", `OCRE_ARENA_SIZE=${config.memory.arenaBytes}`);
  if (config.runtime === "minimal") args.push("--use", "OCRE_COLLECT_BETWEEN_EVENTS=1");
  // Growable memory without an app heap: nothing for sdk/heap.ts to keep clear.
  if (config.memory.arenaBytes === undefined && config.memory.heapBytes === 0) args.push("--use", "OCRE_APP_HEAP=0");
  return args;
}

/**
 * The SDK's fixed-memory runtimes (sdk/rt/), served as the compiler's own library files in place
 * of ~lib/rt/index-stub and index-minimal: the compiler then treats them as the stub or minimal
 * runtime (no shadow stack, which any runtime given by path would get, with 32 KiB reserved for
 * it), and they reach AssemblyScript's runtime internals (~lib/rt/common, tcms) as the originals do.
 */
const FIXED_RUNTIME_FILES: Readonly<Record<"stub" | "minimal", Readonly<Record<string, string>>>> = {
  stub: { "rt/index-stub": "rt/index-fixed-stub.ts", "rt/fixed-stub": "rt/fixed-stub.ts", "rt/arena": "rt/arena.ts" },
  minimal: {
    "rt/index-minimal": "rt/index-fixed-minimal.ts",
    "rt/fixed-minimal": "rt/fixed-minimal.ts",
    "rt/arena": "rt/arena.ts",
  },
};

/**
 * The files a compile asked for. Each is also passed to the caller's `onInput` as it is read,
 * so that a compile that fails still names what it read (`ocre build --watch` watches those).
 */
class InputMap extends Map<string, boolean> {
  constructor(private readonly onInput: ((file: string, found: boolean) => void) | undefined) {
    super();
  }
  override set(file: string, found: boolean): this {
    this.onInput?.(file, found);
    return super.set(file, found);
  }
}

/** Compiles run one at a time: a fixed-memory compile swaps library files of the shared compiler. */
let compileQueue: Promise<unknown> = Promise.resolve();

async function withLibraryFiles<T>(
  libraryFiles: Record<string, string>,
  files: Readonly<Record<string, string>>,
  inputs: Map<string, boolean>,
  run: () => Promise<T>,
): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const [name, file] of Object.entries(files)) {
    const abs = path.join(sdkRoot(), file);
    saved.set(name, libraryFiles[name]);
    libraryFiles[name] = await readFileAsync(abs, "utf8");
    inputs.set(abs, true);
  }
  try {
    return await run();
  } finally {
    for (const [name, text] of saved) {
      if (text === undefined) delete libraryFiles[name];
      else libraryFiles[name] = text;
    }
  }
}

/** The AssemblyScript compiler options for a config; also used by the bench to compare. */
export function compilerArgs(config: ResolvedConfig, entryRel: string, outFile: string): string[] {
  const args = [
    entryRel,
    "--baseDir",
    config.appDir,
    "--outFile",
    outFile,
    "--runtime",
    config.runtime,
    // env.abort is not part of the Ocre ABI: a failed assertion or a throw traps instead.
    "--use",
    "abort=",
    ...fixedMemoryArgs(config),
    "--initialMemory",
    String(config.memory.initialPages),
    "--maximumMemory",
    String(config.memory.maxPages),
    // The compiler's own pipeline for the profile (its code generation and inlining are tuned
    // to it); the optimise stage then takes the module further with Binaryen.
    "--optimizeLevel",
    config.optimize === "speed" ? "3" : "0",
    "--shrinkLevel",
    config.optimize === "speed" ? "0" : "2",
    "--disable",
    DISABLED_FEATURES.join(","),
    "--noColors",
  ];
  if (config.debug) args.push("--debug");
  else args.push("--noAssert");
  return args;
}

/**
 * Compiles the app's entry with the AssemblyScript compiler in this process. Reads sources
 * through a small virtual file system (app files from disk, `node_modules/ocre/**` from the
 * SDK), keeps every output in memory, and never writes. Any compile error throws an OcreError
 * whose details are `file:line:col`, the source line and a caret.
 */
export async function compile(
  config: ResolvedConfig,
  onInput?: (file: string, found: boolean) => void,
): Promise<CompileResult> {
  const asc = await import("assemblyscript/asc");
  const appDir = config.appDir;
  const inputs = new InputMap(onInput);
  const texts = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  let wasm: Uint8Array | undefined;
  const outFile = "ocre-out.wasm";
  const entryRel = path.relative(appDir, config.entry).split(path.sep).join("/");

  const fixedFiles =
    config.memory.arenaBytes === undefined || config.runtime === "incremental"
      ? {}
      : FIXED_RUNTIME_FILES[config.runtime];
  const compiling = compileQueue.then(() =>
    withLibraryFiles(asc.libraryFiles as Record<string, string>, fixedFiles, inputs, () =>
      asc.main(compilerArgs(config, entryRel, outFile), {
        readFile: async (filename: string, baseDir: string) => {
          const abs = path.resolve(appDir, baseDir, filename);
          // ocre.yaml is the app's only build configuration; an asconfig.json must not change it.
          if (path.basename(abs) === "asconfig.json" && path.dirname(abs) === appDir) return null;
          const file = serveFrom(abs);
          try {
            const text = await readFileAsync(file, "utf8");
            inputs.set(file, true);
            texts.set(file, text);
            return text;
          } catch {
            inputs.set(file, false);
            return null;
          }
        },
        writeFile: (filename: string, contents: Uint8Array | string) => {
          if (path.basename(filename) === outFile && typeof contents !== "string") wasm = contents;
        },
        listFiles: () => null,
        reportDiagnostic: (d) => diagnostics.push(toDiagnostic(d as unknown as AscDiagnostic, appDir, texts)),
        stdout: asc.createMemoryStream(),
        stderr: asc.createMemoryStream(),
      }),
    ),
  );
  compileQueue = compiling.catch(() => undefined);
  const result = await compiling;

  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || result.error !== null || wasm === undefined) {
    const first = errors[0];
    const message =
      first !== undefined
        ? `${first.location === null ? "" : `${first.location}: `}${first.message}`
        : `the AssemblyScript compiler failed: ${result.error?.message ?? "no output"}`;
    throw new OcreError("OCRE_COMPILE", message, {
      details: errors.flatMap((d, i) => (i === 0 ? d.excerpt : formatDiagnostic(d))),
      hint: errors.some((d) => /pages of (initial|maximum) memory/.test(d.message))
        ? `the app's static data does not fit: raise memory.initialPages and memory.maxPages in ${config.manifestPath} (64 KiB pages, at most 64)`
        : errors.length > 1
          ? `${errors.length} errors; fix the first one and build again`
          : "fix the source and build again",
    });
  }
  // The container's entry point is an exported _start, not a start section (see optimise.ts).
  const { exportStartFunction } = await import("./optimise.js");
  return {
    wasm: await exportStartFunction(wasm, config.debug),
    inputs: [...inputs]
      .map(([p, found]) => ({ path: p, found }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    warnings: diagnostics.filter((d) => d.severity === "warning").map((d) => formatDiagnostic(d).join("\n")),
    compilerVersion: compilerVersion(),
  };
}
