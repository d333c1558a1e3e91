// Benchmark: memory of `ocre pull` against a real registry on loopback (Debian's docker-registry).
// A 200 MiB image and a template-sized one are pushed once; then `ocre pull` (a CLI process,
// its peak RSS taken by test/helpers/peak-rss.mjs) fetches each into a fresh layout, interleaved,
// RUNS times. Target: the 200 MiB pull's peak RSS stays within 64 MiB of the tiny pull's (blobs
// stream to a staging file while hashed, so memory must not grow with the image). For reference,
// `skopeo copy` of the same 200 MiB image into an OCI layout, timed in the same run.
// Run: npm run bench (or: npx tsc -p tsconfig.json && node test/bench/pull-memory.bench.mjs).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fixtureSpec } from "../oci-fixture.mjs";
import { startRegistry } from "../registry-server.mjs";
import { median, verdict } from "./verdict.mjs";
import { readFileSync } from "node:fs";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
// The `ocre` command as installed (package.json's bin: the bundle in dist/bin/).
const cli = path.join(repoRoot, JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).bin.ocre);
const preload = path.join(repoRoot, "test/helpers/peak-rss.mjs");
const oci = await import(path.join(repoRoot, "dist/cli/oci/index.js"));

const RUNS = Number(process.env.OCRE_BENCH_PULL_RUNS ?? 3);
const BIG = 200 * 1024 * 1024;
const TARGET_MIB = 64;

/** An image whose one layer is `size` random bytes (a pull checks digests, not Wasm validity). */
function bigImage(size) {
  const layer = randomBytes(size);
  const config = Buffer.from(
    JSON.stringify({ architecture: "wasm", os: "wasip1", layerDigests: [oci.sha256Digest(layer)] }),
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.wasm.config.v0+json",
    config: { mediaType: "application/vnd.wasm.config.v0+json", digest: oci.sha256Digest(config), size: config.length },
    layers: [{ mediaType: "application/wasm", digest: oci.sha256Digest(layer), size: layer.length }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    manifest,
    manifestBytes,
    manifestDigest: oci.sha256Digest(manifestBytes),
    blobs: new Map([
      [manifest.config.digest, config],
      [manifest.layers[0].digest, layer],
    ]),
  };
}

/** `ocre pull` as a CLI process: wall time and peak RSS (MiB). */
async function pull(ref, layout, work, i) {
  const rssFile = path.join(work, `rss-${path.basename(layout)}-${i}`);
  const start = process.hrtime.bigint();
  await run(
    process.execPath,
    ["--import", pathToFileURL(preload).href, cli, "pull", ref, "--layout", layout, "--quiet"],
    {
      env: { ...process.env, OCRE_TEST_RSS_FILE: rssFile },
    },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, rssMiB: Number(await readFile(rssFile, "utf8")) / 1024 };
}

async function pullMemory() {
  const registry = await startRegistry();
  const work = await mkdtemp(path.join(os.tmpdir(), "ocre-pull-bench-"));
  try {
    const tiny = oci.renderImage(await fixtureSpec(), { boards: [], sdkVersion: "bench" });
    const big = bigImage(BIG);
    await oci.pushImage(tiny, oci.parseReference(`${registry.host}/bench/tiny:1.0.0`));
    await oci.pushImage(big, oci.parseReference(`${registry.host}/bench/big:1.0.0`), { chunkSize: 32 * 1024 * 1024 });
    const bigLayer = big.manifest.layers[0].digest;
    big.blobs.clear();
    const tinyRuns = [];
    const bigRuns = [];
    const skopeoMs = [];
    for (let i = 0; i < RUNS; i++) {
      tinyRuns.push(await pull(`${registry.host}/bench/tiny:1.0.0`, path.join(work, `tiny-${i}`), work, i));
      const layout = path.join(work, `big-${i}`);
      bigRuns.push(await pull(`${registry.host}/bench/big:1.0.0`, layout, work, i));
      // The pull really landed: the layer is in the layout at full size (ocre verified its digest).
      const landed = await stat(path.join(layout, "blobs", "sha256", bigLayer.slice(7)));
      if (landed.size !== BIG) throw new Error(`the pulled layer is ${landed.size} bytes, not ${BIG}`);
      await rm(layout, { recursive: true, force: true });
      const start = process.hrtime.bigint();
      await run("skopeo", [
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${registry.host}/bench/big:1.0.0`,
        `oci:${path.join(work, `skopeo-${i}`)}:1.0.0`,
      ]);
      skopeoMs.push(Number(process.hrtime.bigint() - start) / 1e6);
      await rm(path.join(work, `skopeo-${i}`), { recursive: true, force: true });
    }
    const tinyRss = median(tinyRuns.map((r) => r.rssMiB));
    const bigRss = Math.max(...bigRuns.map((r) => r.rssMiB));
    const growth = bigRss - tinyRss;
    const ok = growth <= TARGET_MIB;
    console.log(`ocre pull from a loopback docker-registry, peak RSS of the CLI process (${RUNS} runs each)`);
    console.table([
      {
        case: "tiny image (template-sized)",
        "peak RSS MiB": +tinyRss.toFixed(1),
        "ms (median)": Math.round(median(tinyRuns.map((r) => r.ms))),
        "skopeo copy ms": "",
        target: "",
        ok: "",
      },
      {
        case: `${BIG / 1024 / 1024} MiB image (worst run)`,
        "peak RSS MiB": +bigRss.toFixed(1),
        "ms (median)": Math.round(median(bigRuns.map((r) => r.ms))),
        "skopeo copy ms": Math.round(median(skopeoMs)),
        target: `growth ≤ ${TARGET_MIB} MiB`,
        ok: ok ? `yes (+${growth.toFixed(1)} MiB)` : `NO (+${growth.toFixed(1)} MiB)`,
      },
    ]);
    verdict(ok ? [] : [`peak RSS growth +${growth.toFixed(1)} MiB > ${TARGET_MIB} MiB`]);
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await pullMemory();
