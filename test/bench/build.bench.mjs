// Benchmark: `ocre build` against bare AssemblyScript, in this same run.
// 1. Size of every template (scaffolded by the library, as `ocre new` does) against
//    `asc --runtime stub -Oz --noAssert --use abort=` on the same source. Targets: never bigger
//    than asc; hello ≤ 1024 B, blinky ≤ 2048 B.
// 2. Time of a cold `ocre build` of blinky (a new process, no cache: compile + optimise +
//    validate + write, plus the hooked stages) against `npx asc` with those flags. Target ≤ 1.0.
// (The no-op build, ≤ 2× `node -e 0`, is measured in startup.bench.mjs with the other start-up
// targets.) Times are medians of interleaved runs (OCRE_BENCH_RUNS, default 5). Exits 1 when a
// target is missed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, mkdir, readFile, rm, stat, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median, verdict } from "./verdict.mjs";
import { readFileSync } from "node:fs";

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
// The `ocre` command as installed (package.json's bin: the bundle in dist/bin/).
const cli = path.join(repoRoot, JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).bin.ocre);
const { scaffold } = await import(path.join(repoRoot, "dist/cli/scaffold/index.js"));

const RUNS = Number(process.env.OCRE_BENCH_RUNS ?? 5);
const ASC_FLAGS = ["--runtime", "stub", "-Oz", "--noAssert", "--use", "abort="];
const SIZE_TARGETS = { hello: 1024, blinky: 2048 };

async function timed(file, args, options) {
  const start = process.hrtime.bigint();
  await exec(file, args, { maxBuffer: 16 << 20, ...options });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Apps live in <root>/<template>; <root>/node_modules gives bare asc what an installed app has:
// the SDK as `ocre` (asc looks for node_modules/ocre/index.ts) and `asc` for npx.
const root = await mkdtemp(path.join(os.tmpdir(), "ocre-bench-build-"));
await mkdir(path.join(root, "node_modules/.bin"), { recursive: true });
await symlink(path.join(repoRoot, "sdk"), path.join(root, "node_modules/ocre"));
await symlink(path.join(repoRoot, "node_modules/assemblyscript/bin/asc.js"), path.join(root, "node_modules/.bin/asc"));

const apps = [];
for (const template of ["hello", "blinky", "sensor", "pubsub"]) {
  await scaffold({ dir: path.join(root, template), template });
  const dirs =
    template === "pubsub"
      ? ["publisher", "subscriber"].map((d) => path.join(root, template, d))
      : [path.join(root, template)];
  for (const dir of dirs) apps.push({ template, label: path.relative(root, dir), dir });
}

const failures = [];
const rows = [];
for (const app of apps) {
  const ocreMs = await timed(process.execPath, [cli, "build", app.dir, "--force", "--quiet"], {
    env: { ...process.env, NO_COLOR: "1" },
  });
  const report = JSON.parse(await readFile(path.join(app.dir, "build/report.json"), "utf8"));
  const ocre = report.app.sizeBytes;
  const ascOut = path.join(root, `${app.label.replace("/", "-")}.asc.wasm`);
  await exec(
    process.execPath,
    [
      path.join(repoRoot, "node_modules/assemblyscript/bin/asc.js"),
      "assembly/index.ts",
      ...ASC_FLAGS,
      "--outFile",
      ascOut,
    ],
    { cwd: app.dir },
  );
  const asc = (await stat(ascOut)).size;
  // The same with what a container needs (an exported _start, a memory maximum), for reference.
  const ascContainerOut = ascOut.replace(/\.asc\.wasm$/, ".asc-container.wasm");
  await exec(
    process.execPath,
    [
      path.join(repoRoot, "node_modules/assemblyscript/bin/asc.js"),
      "assembly/index.ts",
      ...ASC_FLAGS,
      "--exportStart",
      "_start",
      "--maximumMemory",
      String(report.app.memory.maxPages),
      "--outFile",
      ascContainerOut,
    ],
    { cwd: app.dir },
  );
  const ascContainer = (await stat(ascContainerOut)).size;
  const target = SIZE_TARGETS[app.template];
  const ok = ocre <= asc && (target === undefined || ocre <= target);
  if (!ok) failures.push(`${app.label}: ${ocre} B (asc ${asc} B${target ? `, target ${target} B` : ""})`);
  rows.push({
    app: app.label,
    "ocre B": ocre,
    "asc -Oz B": asc,
    "ocre/asc": (ocre / asc).toFixed(3),
    "asc +_start +max B": ascContainer,
    "ocre/that": (ocre / ascContainer).toFixed(3),
    target: target ? `≤ ${target}` : "≤ asc",
    "first build ms": Math.round(ocreMs),
    ok: ok ? "yes" : "NO",
  });
}
console.log("Size: ocre build (size profile) vs asc --runtime stub -Oz --noAssert --use abort=");
console.table(rows);

// Cold build of blinky vs npx asc, interleaved so both see the same machine load.
const blinky = apps.find((a) => a.template === "blinky").dir;
const ocreCold = [];
const npxAsc = [];
for (let i = 0; i < RUNS; i++) {
  await rm(path.join(blinky, "build"), { recursive: true, force: true });
  ocreCold.push(
    await timed(process.execPath, [cli, "build", blinky, "--quiet"], { env: { ...process.env, NO_COLOR: "1" } }),
  );
  npxAsc.push(
    await timed(
      "npx",
      ["--offline", "asc", "assembly/index.ts", ...ASC_FLAGS, "--outFile", path.join(root, "npx.wasm")],
      { cwd: blinky },
    ),
  );
}
const coldRatio = median(ocreCold) / median(npxAsc);
if (coldRatio > 1.0) failures.push(`cold build ratio ${coldRatio.toFixed(2)} > 1.0`);
console.log(`\nTime (median of ${RUNS} interleaved runs)`);
console.table([
  {
    measure: "cold ocre build blinky",
    ms: Math.round(median(ocreCold)),
    baseline: "npx asc (same flags)",
    "baseline ms": Math.round(median(npxAsc)),
    ratio: coldRatio.toFixed(2),
    target: "≤ 1.00",
    ok: coldRatio <= 1.0 ? "yes" : "NO",
  },
]);
await rm(root, { recursive: true, force: true });
verdict(failures);
