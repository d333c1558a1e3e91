// Bundles the compiled CLI (dist/cli/, written by tsc) into dist/bin/: the `ocre` command
// (ocre.js) and the chunks it loads on use. Run after tsc (`npm run build` does both).
//
// Why: Node.js 20 loads ES modules one file at a time (resolve, read through the thread pool,
// compile, link, then the same for each import, level by level), about a millisecond per file
// and more on a busy machine. Unbundled, `ocre push` loads 33 of ocre's files before its first
// request; bundled, 7. The library (`import "ocre"`, dist/cli/index.js) stays unbundled.
//
// Laziness is kept: every dynamic import() in cli/ stays a split point, and npm packages and
// Node.js built-ins stay external (loaded by Node.js, from node_modules). Groups merge modules
// that would otherwise be many small chunks:
// - "start": what every command's start-up loads (the grammar, the quick parser, command
//   definition, output and errors, and what they import);
// - "oci": the registry and image-store modules (cli/oci, cli/sign) whose whole static import
//   tree is ocre's own code and light built-ins, so merging them never loads an npm package
//   or a heavy built-in (zlib, streams, child processes) for a command that does not use it;
// - "oci-deps": what those import from elsewhere (a no-op `ocre build` needs the ABI tables,
//   not the registry client).
// test/bundle.test.ts checks the result.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const compiled = path.join(root, "dist/cli");
export const binDir = path.join(root, "dist/bin");

/** Built-ins cheap enough (or loaded by every push anyway) to load with a merged chunk. */
const LIGHT_BUILTINS = new Set([
  "node:crypto",
  "node:events",
  "node:fs",
  "node:fs/promises",
  "node:http",
  "node:module",
  "node:os",
  "node:path",
  "node:timers/promises",
  "node:url",
]);

/** A compiled module's static imports (tsc output: one `import … from "…"` per line). */
function staticImports(file) {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s"([^"]+)";?$|^import\s"([^"]+)";?$/gm)].map(
    (m) => m[1] ?? m[2],
  );
}

const light = new Map();
/** Whether a module and everything it statically imports is ocre's code or a light built-in. */
function isLight(file, seen = new Set()) {
  if (light.has(file)) return light.get(file);
  if (seen.has(file)) return true;
  seen.add(file);
  const result = staticImports(file).every((spec) =>
    spec.startsWith(".") ? isLight(path.resolve(path.dirname(file), spec), seen) : LIGHT_BUILTINS.has(spec),
  );
  light.set(file, result);
  return result;
}

/** The static import closure of some modules (ocre's own files only). */
function closure(files) {
  const found = new Set();
  const visit = (file) => {
    if (found.has(file)) return;
    found.add(file);
    for (const spec of staticImports(file)) if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec));
  };
  files.forEach(visit);
  return found;
}

const start = closure(
  ["commands/argv.js", "commands/grammar.js", "commands/define.js", "ui/output.js", "errors.js"].map((f) =>
    path.join(compiled, f),
  ),
);
// What main.js imports (its chunk, the entry).
const entry = closure([path.join(compiled, "main.js")]);
const ociDirs = [path.join(compiled, "oci") + path.sep, path.join(compiled, "sign") + path.sep];
const inOci = (file) => ociDirs.some((d) => file.startsWith(d));
const inOciGroup = (file) => inOci(file) && isLight(file);
const compiledFiles = readdirSync(compiled, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith(".js"))
  .map((e) => path.join(e.parentPath ?? e.path, e.name));
// What those modules import from elsewhere (ABI tables, say) gets a chunk of its own: in the
// "oci" chunk, it would bring that whole chunk to the other commands that import it.
const ociDeps = new Set(
  [...closure(compiledFiles.filter(inOciGroup))].filter((f) => !inOci(f) && !start.has(f) && !entry.has(f)),
);

export async function bundleCli(dir = binDir) {
  const bundle = await rolldown({
    input: { ocre: path.join(compiled, "main.js") },
    platform: "node",
    // npm packages and built-ins: loaded by Node.js, when the code that imports them runs.
    external: (id) => !id.startsWith(".") && !path.isAbsolute(id),
    logLevel: "warn",
    // Several modules are imported both statically and dynamically on purpose (loaded early on
    // one path, late on another); the note that the dynamic import moves nothing is expected.
    onLog: (level, log, handler) => {
      if (log.code !== "INEFFECTIVE_DYNAMIC_IMPORT") handler(level, log);
    },
  });
  const { output } = await bundle.write({
    dir,
    format: "es",
    entryFileNames: "[name].js",
    chunkFileNames: "[name]-[hash].js",
    sourcemap: true,
    codeSplitting: {
      groups: [
        { name: "start", test: (id) => start.has(id), priority: 3 },
        { name: "oci-deps", test: (id) => ociDeps.has(id), priority: 2 },
        { name: "oci", test: (id) => inOciGroup(id), priority: 1 },
      ],
    },
  });
  await bundle.close();
  return output;
}

/** Newest modification time among the compiled files (what the bundle is made from). */
async function newestCompiled() {
  const { readdir, stat } = await import("node:fs/promises");
  let newest = 0;
  for (const entry of await readdir(compiled, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name.endsWith(".js"))
      newest = Math.max(newest, (await stat(path.join(entry.parentPath ?? entry.path, entry.name))).mtimeMs);
  return newest;
}

/**
 * Writes dist/bin unless it is newer than everything in dist/cli (test/bundle-setup.mjs calls this
 * before every test run, so a `tsc` alone is enough before running tests). The new bundle is
 * written beside the old one and swapped in, so a run that is using the old one keeps its files
 * as long as possible.
 */
export async function updateBundle() {
  const { rename, rm, stat, chmod } = await import("node:fs/promises");
  const built = await stat(path.join(binDir, "ocre.js")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built > (await newestCompiled())) return false;
  const fresh = `${binDir}.new-${process.pid}`;
  const old = `${binDir}.old-${process.pid}`;
  await bundleCli(fresh);
  await chmod(path.join(fresh, "ocre.js"), 0o755);
  await rename(binDir, old).catch(() => undefined);
  await rename(fresh, binDir);
  await rm(old, { recursive: true, force: true });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write((await updateBundle()) ? "dist/bin: bundled\n" : "dist/bin: up to date\n");
}
