// Benchmark: the warm edit loop of `ocre build --watch` against a cold `ocre build`, same run.
// 1. Cold: `ocre build` of blinky in a new process with no build/ folder (as build.bench.mjs),
//    median of OCRE_BENCH_RUNS (default 5), interleaved with the edits below.
// 2. Warm: one `ocre build --watch` process on another copy of blinky; after its first build,
//    one source line is changed (the blink period) and the time from the write to the moment
//    build/<name>.wasm holds new bytes is measured; median over OCRE_BENCH_EDITS (default 7)
//    edits, including the watch's debounce. Then Ctrl-C; the watch must exit 0.
// Target: warm edit-to-new-wasm ≤ 0.3 × cold build. Exits 1 when it is missed.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { median, verdict } from "./verdict.mjs";
import { readFileSync } from "node:fs";

const exec = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// The `ocre` command as installed (package.json's bin: the bundle in dist/bin/).
const cli = path.join(repoRoot, JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).bin.ocre);
const { scaffold } = await import(path.join(repoRoot, "dist/cli/scaffold/index.js"));

const RUNS = Number(process.env.OCRE_BENCH_RUNS ?? 5);
const EDITS = Number(process.env.OCRE_BENCH_EDITS ?? 7);
const TARGET = 0.3;
const env = { ...process.env, NO_COLOR: "1" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const root = await mkdtemp(path.join(os.tmpdir(), "ocre-bench-watch-"));
const coldDir = path.join(root, "cold");
const warmDir = path.join(root, "warm");
await scaffold({ dir: coldDir, template: "blinky" });
await scaffold({ dir: warmDir, template: "blinky" });

const cold = [];
async function coldBuild() {
  await rm(path.join(coldDir, "build"), { recursive: true, force: true });
  const start = process.hrtime.bigint();
  await exec(process.execPath, [cli, "build", coldDir, "--quiet"], { env });
  cold.push(Number(process.hrtime.bigint() - start) / 1e6);
}

const wasm = path.join(warmDir, "build/warm.wasm");
const source = path.join(warmDir, "assembly/index.ts");
const original = await readFile(source, "utf8");
const watcher = spawn(process.execPath, [cli, "build", "--watch"], {
  cwd: warmDir,
  env,
  stdio: ["ignore", "ignore", "pipe"],
});
let stderr = "";
watcher.stderr.on("data", (d) => (stderr += d.toString()));
const exited = new Promise((resolve) => watcher.on("exit", (code, signal) => resolve(signal ?? code)));

/** Polls build/<name>.wasm until it holds bytes other than `before`; returns them. */
async function nextWasm(before, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const now = await readFile(wasm).catch(() => undefined);
    if (now !== undefined && (before === undefined || !now.equals(before))) return now;
    if (watcher.exitCode !== null) throw new Error(`ocre build --watch exited ${watcher.exitCode}:\n${stderr}`);
    await sleep(5);
  }
  throw new Error(`no new ${wasm} after ${timeoutMs} ms:\n${stderr}`);
}

const warm = [];
try {
  let bytes = await nextWasm(undefined);
  while (!stderr.includes("watching for changes")) await sleep(20);
  // Cold builds and edits interleaved, so both see the same machine load.
  for (let i = 1; i <= Math.max(EDITS, RUNS); i++) {
    if (i <= RUNS) await coldBuild();
    if (i > EDITS) continue;
    // One line changed: the blink period, so the module's bytes change.
    const edited = original.replace("const PERIOD_MS = 500;", `const PERIOD_MS = ${500 + i};`);
    const start = process.hrtime.bigint();
    await writeFile(source, edited);
    bytes = await nextWasm(bytes);
    warm.push(Number(process.hrtime.bigint() - start) / 1e6);
    // Let the watch print its result and go back to waiting before the next edit.
    const seen = stderr.split("watching for changes").length;
    while (stderr.split("watching for changes").length === seen && watcher.exitCode === null) await sleep(20);
  }
} finally {
  watcher.kill("SIGINT");
}
const exitCode = await exited;

const ratio = median(warm) / median(cold);
const failures = [];
if (ratio > TARGET) failures.push(`edit-to-new-wasm ratio ${ratio.toFixed(2)} > ${TARGET}`);
if (exitCode !== 0) failures.push(`ocre build --watch exited ${exitCode} on Ctrl-C, not 0`);
console.log(`Warm edit loop (median of ${EDITS} one-line edits) vs cold ocre build (median of ${RUNS}), blinky`);
console.table([
  {
    measure: "edit → new build/<name>.wasm (ocre build --watch)",
    ms: Math.round(median(warm)),
    baseline: "cold ocre build (new process, no build/)",
    "baseline ms": Math.round(median(cold)),
    ratio: ratio.toFixed(2),
    target: `≤ ${TARGET}`,
  },
]);
console.log(`edits ms: ${warm.map(Math.round).join(", ")}; cold ms: ${cold.map(Math.round).join(", ")}`);
await rm(root, { recursive: true, force: true });
verdict(failures);
