// Benchmark: how quickly the CLI starts (issue 14), against bare tools in this same run.
// Each case is a new process, timed from spawn to exit; the cases are interleaved run by run so
// that all of them see the same machine load, and the medians are compared:
//   ocre --version, ocre --help, ocre boards       ≤ 2.0 × node -e 0
//   no-op ocre build (second build, same line)     ≤ 2.0 × node -e 0
// (`ocre push` against `skopeo copy`, ≤ 2.5×, is measured in oci.bench.mjs, next to the other push
// figures.) Exits 1 when a target is missed.
// Runs: OCRE_BENCH_RUNS (default 11).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
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
const RUNS = Number(process.env.OCRE_BENCH_RUNS ?? 11);
const env = { ...process.env, NO_COLOR: "1" };

async function timed(file, args, options = {}) {
  const start = process.hrtime.bigint();
  await exec(file, args, { maxBuffer: 16 << 20, env, ...options });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const work = await mkdtemp(path.join(os.tmpdir(), "ocre-bench-startup-"));
try {
  const app = path.join(work, "blinky");
  await exec(process.execPath, [cli, "new", app, "-t", "blinky", "--quiet"], { env });
  // The first build writes the cache entry for this exact command line; every timed one is a no-op.
  const buildLine = [cli, "build", "--quiet"];
  await exec(process.execPath, buildLine, { cwd: app, env });

  const cases = {
    "node -e 0": () => timed(process.execPath, ["-e", "0"]),
    "ocre --version": () => timed(process.execPath, [cli, "--version"]),
    "ocre --help": () => timed(process.execPath, [cli, "--help"]),
    "ocre boards": () => timed(process.execPath, [cli, "boards"], { cwd: work }),
    "no-op ocre build": () => timed(process.execPath, buildLine, { cwd: app }),
  };
  const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  // One warm-up round (file system caches), not counted.
  for (const run of Object.values(cases)) await run();
  for (let i = 0; i < RUNS; i++) for (const [name, run] of Object.entries(cases)) times[name].push(await run());

  const ms = (name) => median(times[name]);
  const targets = [
    ["ocre --version", "node -e 0", 2.0],
    ["ocre --help", "node -e 0", 2.0],
    ["ocre boards", "node -e 0", 2.0],
    ["no-op ocre build", "node -e 0", 2.0],
  ];
  const rows = targets.map(([name, baseline, target]) => {
    const ratio = ms(name) / ms(baseline);
    return {
      case: name,
      ms: Math.round(ms(name)),
      baseline,
      "baseline ms": Math.round(ms(baseline)),
      ratio: +ratio.toFixed(2),
      target: `≤ ${target.toFixed(1)}`,
      ok: ratio <= target ? "yes" : "NO",
    };
  });
  console.log(`CLI start-up (medians of ${RUNS} interleaved runs, one process each)`);
  console.table(rows);
  verdict(rows.filter((r) => r.ok !== "yes").map((r) => `${r.case}: ${r.ratio} > ${r.target}`));
} finally {
  await rm(work, { recursive: true, force: true });
}
