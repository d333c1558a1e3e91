// `ocre image import` memory: importing an image with a 200 MB layer must keep peak RSS within
// 64 MiB of importing a tiny one (issue 10: blobs stream through staging, never sit in memory).
// Each import runs in its own forked process that reports process.resourceUsage().maxRSS; the
// bench fails when the difference misses the target.
import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureSpec } from "../oci-fixture.mjs";
import { verdict } from "./verdict.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const oci = await import(path.join(repoRoot, "dist/cli/oci/index.js"));

const TARGET_MIB = 64;
const BIG_BYTES = 200 * 1000 * 1000;

if (process.argv[2] === "--import") {
  const [file, store] = process.argv.slice(3);
  const started = performance.now();
  const images = await oci.importArchive(file, store);
  process.stdout.write(
    `${JSON.stringify({ ms: performance.now() - started, images: images.length, peakRssKiB: process.resourceUsage().maxRSS })}\n`,
  );
} else {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ocre-bench-import-"));
  try {
    const small = await fixtureSpec({ name: "small", version: "1.0.0" });
    const bigWasm = new Uint8Array(BIG_BYTES);
    // A valid module header followed by data is enough: import checks documents, not the module.
    bigWasm.set(small.wasm);
    const big = { ...small, name: "big", wasm: bigWasm, sha256: createHash("sha256").update(bigWasm).digest("hex") };
    const meta = { boards: [], sdkVersion: "0.0.0" };
    await oci.exportArchive(oci.renderImage(small, meta), "1.0.0", path.join(dir, "small.tar"));
    await oci.exportArchive(oci.renderImage(big, meta), "1.0.0", path.join(dir, "big.tar"));
    const measure = (name) =>
      new Promise((resolve, reject) => {
        const child = fork(
          fileURLToPath(import.meta.url),
          ["--import", path.join(dir, `${name}.tar`), path.join(dir, `store-${name}`)],
          {
            stdio: ["ignore", "pipe", "inherit", "ipc"],
          },
        );
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("exit", (code) =>
          code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`import of ${name} exited ${code}`)),
        );
      });
    const empty = await measure("small");
    const large = await measure("big");
    const deltaMiB = (large.peakRssKiB - empty.peakRssKiB) / 1024;
    const ok = deltaMiB <= TARGET_MIB;
    console.table({
      "tiny image": { "peak RSS MiB": Math.round(empty.peakRssKiB / 1024), ms: Math.round(empty.ms) },
      "200 MB image": { "peak RSS MiB": Math.round(large.peakRssKiB / 1024), ms: Math.round(large.ms) },
    });
    console.log(
      `import: peak RSS of a 200 MB import is ${deltaMiB.toFixed(1)} MiB above a tiny one's (target ≤ ${TARGET_MIB} MiB): ${ok ? "ok" : "MISSED"}`,
    );
    verdict(ok ? [] : [`peak RSS growth ${deltaMiB.toFixed(1)} MiB > ${TARGET_MIB} MiB`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
