// Benchmark: pushing OCI images to a real registry on loopback (Debian's docker-registry).
// 1. One template-sized image, as processes interleaved run by run (one warm-up round not
//    counted), medians in this same run, each against `skopeo copy` of the same layout:
//    - `ocre push` (the CLI): target ≤ 2.5× (issue 14; Node.js start-up alone is about 1-2×);
//    - pushImage in this process (the library, no start-up): target ≤ 1.0× (issue 5).
//    For reference, the same requests from a bare node:http script (test/oci-http-floor.mjs) and
//    `node -e 0`: what any Node.js process pays here before ocre's own work. When
//    NODE_EXTRA_CA_CERTS is set (some sandboxes and corporate proxies set it), Node.js 20 parses
//    that CA bundle, and its own, at the start of every process, before any JavaScript runs;
//    skopeo does not. That is a cost of the environment, paid by every Node.js program and not
//    by ocre's code, so the target is judged without it: `ocre push` and `node -e 0` are then
//    also timed without the variable, and the rows with it are printed for reference.
// 2. 200 distinct images pushed with bounded concurrency through the library in a child process:
//    images/s and that process's peak RSS; then every tag is checked (tags list + each manifest
//    digest): target none lost.
// Exits 1 when a target is missed.
// Run: npm run bench (or: npx tsc -p tsconfig.json && node test/bench/oci.bench.mjs).
import { execFile, fork } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureSpec } from "../oci-fixture.mjs";
import { startRegistry } from "../registry-server.mjs";
import { median, verdict } from "./verdict.mjs";
import { readFileSync } from "node:fs";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
// The `ocre` command as installed (package.json's bin: the bundle in dist/bin/).
const cli = path.join(repoRoot, JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).bin.ocre);
const oci = await import(path.join(repoRoot, "dist/cli/oci/index.js"));

const RUNS = Number(process.env.OCRE_BENCH_RUNS ?? 9);
const CLI_TARGET = 2.5;
const LIBRARY_TARGET = 1.0;
const FLEET = Number(process.env.OCRE_BENCH_FLEET ?? 200);
const CONCURRENCY = 8;

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Child mode: push FLEET distinct images with bounded concurrency, print a JSON line. */
async function fleet(host) {
  const images = [];
  for (let i = 0; i < FLEET; i++) {
    const spec = await fixtureSpec({ name: "fleet", version: `1.0.${i}`, dataBytes: 4096, seed: i });
    images.push(oci.renderImage(spec, { boards: [], sdkVersion: "bench" }));
  }
  const client = await oci.RegistryClient.connect(host, {});
  const digests = new Array(FLEET);
  let next = 0;
  const ms = await timed(async () => {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < FLEET) {
          const i = next++;
          const result = await oci.pushWithClient(client, images[i], oci.parseReference(`${host}/bench/fleet:v${i}`), {
            concurrency: 2,
          });
          digests[i] = result.digest;
        }
      }),
    );
  });
  // Nothing lost: the registry lists every tag, and each tag resolves to the digest we pushed.
  const list = await client.request("GET", "/v2/bench/fleet/tags/list?n=10000", {
    scopes: ["repository:bench/fleet:pull"],
  });
  const tags = new Set(JSON.parse(new TextDecoder().decode(list.body)).tags);
  let verified = 0;
  for (let i = 0; i < FLEET; i++) {
    if (!tags.has(`v${i}`)) continue;
    const head = await client.request("HEAD", `/v2/bench/fleet/manifests/v${i}`, {
      scopes: ["repository:bench/fleet:pull"],
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    if (head.headers.get("docker-content-digest") === digests[i] && digests[i] === images[i].manifestDigest) verified++;
  }
  await client.close();
  process.stdout.write(`${JSON.stringify({ ms, verified, peakRssKiB: process.resourceUsage().maxRSS })}\n`);
}

async function main() {
  const failures = [];
  const registry = await startRegistry();
  const work = await mkdtemp(path.join(os.tmpdir(), "ocre-oci-bench-"));
  try {
    // The blinky template, scaffolded and built by ocre itself: its build/oci is what gets pushed.
    await run(process.execPath, [cli, "new", path.join(work, "blinky"), "-t", "blinky", "--quiet"]);
    const { buildApps } = await import(path.join(repoRoot, "dist/cli/pipeline/build.js"));
    const built = (await buildApps([path.join(work, "blinky")], { sourceDateEpoch: "1700000000" })).apps[0];
    const report = { ...built.report.image, layout: path.join(built.buildDir, built.report.image.layout) };
    const ocreMs = [];
    const skopeoMs = [];
    const libraryMs = [];
    const startupMs = [];
    const floorMs = [];
    // Only when NODE_EXTRA_CA_CERTS is set: the same processes without it.
    const extraCa = process.env.NODE_EXTRA_CA_CERTS !== undefined;
    const withoutExtraCa = { ...process.env };
    delete withoutExtraCa.NODE_EXTRA_CA_CERTS;
    const ocreNoCaMs = [];
    const startupNoCaMs = [];
    const entry = (await oci.readLayoutEntries(report.layout)).find((e) => e.descriptor.digest === report.digest);
    const content = await oci.readLayoutImage(report.layout, entry.descriptor);
    // Round 0 warms the file system caches and is not counted.
    for (let i = 0; i <= RUNS; i++) {
      // A fresh repository each time, so both tools really upload (HEAD finds nothing).
      const keep = (list) => (i === 0 ? [] : list);
      keep(ocreMs).push(
        await timed(() =>
          run(process.execPath, [cli, "push", `${registry.host}/bench/ocre-${i}:1.0.0`, "--quiet"], {
            cwd: path.join(work, "blinky"),
          }),
        ),
      );
      keep(skopeoMs).push(
        await timed(() =>
          run("skopeo", [
            "copy",
            "-q",
            "--dest-tls-verify=false",
            `oci:${report.layout}:${report.tag}`,
            `docker://${registry.host}/bench/skopeo-${i}:1.0.0`,
          ]),
        ),
      );
      // The same requests from a bare Node.js script on node:http (no fetch, no ocre code): the
      // floor a Node.js CLI can reach here, to read the first row against.
      keep(floorMs).push(
        await timed(() =>
          run(process.execPath, [
            path.join(repoRoot, "test/oci-http-floor.mjs"),
            report.layout,
            report.tag,
            registry.host,
            `bench/floor-${i}:1.0.0`,
          ]),
        ),
      );
      // Node.js itself, before any ocre code: the floor under the first row.
      keep(startupMs).push(await timed(() => run(process.execPath, ["-e", "0"])));
      if (extraCa) {
        keep(ocreNoCaMs).push(
          await timed(() =>
            run(process.execPath, [cli, "push", `${registry.host}/bench/ocre-noca-${i}:1.0.0`, "--quiet"], {
              cwd: path.join(work, "blinky"),
              env: withoutExtraCa,
            }),
          ),
        );
        keep(startupNoCaMs).push(await timed(() => run(process.execPath, ["-e", "0"], { env: withoutExtraCa })));
      }
      // The same push in process (no CLI start-up): what a CI script using the library pays.
      keep(libraryMs).push(
        await timed(() => oci.pushImage(content, oci.parseReference(`${registry.host}/bench/library-${i}:1.0.0`))),
      );
    }
    const child = fork(fileURLToPath(import.meta.url), ["--fleet", registry.host], {
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await new Promise((resolve, reject) =>
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`fleet child exited ${code}`)))),
    );
    const fleetResult = JSON.parse(out.trim().split("\n").pop());

    const ocreMed = median(ocreMs);
    const skopeoMed = median(skopeoMs);
    const libraryMed = median(libraryMs);
    const row = (name, ms, target) => ({
      case: name,
      ms: Math.round(ms),
      "skopeo copy ms": Math.round(skopeoMed),
      ratio: +(ms / skopeoMed).toFixed(2),
      target: target === undefined ? "" : `≤ ${target.toFixed(2)}`,
      ok: target === undefined ? "" : ms / skopeoMed <= target ? "yes" : "NO",
    });
    const pushRows = [
      ...(extraCa
        ? [
            row("ocre push (CLI process), NODE_EXTRA_CA_CERTS unset", median(ocreNoCaMs), CLI_TARGET),
            row("ocre push, NODE_EXTRA_CA_CERTS set (reference)", ocreMed),
          ]
        : [row("ocre push (CLI process)", ocreMed, CLI_TARGET)]),
      row("pushImage (library, in process)", libraryMed, LIBRARY_TARGET),
      row(`node:http script, same requests (floor${extraCa ? ", variable set" : ""})`, median(floorMs)),
      ...(extraCa
        ? [
            row("node -e 0, NODE_EXTRA_CA_CERTS unset", median(startupNoCaMs)),
            row("node -e 0, NODE_EXTRA_CA_CERTS set (reference)", median(startupMs)),
          ]
        : [row("node -e 0 (Node.js start-up alone)", median(startupMs))]),
    ];
    console.log(
      `OCI push to a loopback docker-registry (blinky template image, ${report.size} bytes; medians of ${RUNS})`,
    );
    console.table(pushRows);
    if (extraCa)
      console.log(
        `NODE_EXTRA_CA_CERTS is set: each Node.js process here spends about ${Math.round(median(startupMs) - median(startupNoCaMs))} ms (node -e 0 with and without it) loading CA certificates before any JavaScript runs; skopeo does not. The target is judged without it.`,
      );
    for (const r of pushRows.filter((r) => r.ok === "NO"))
      failures.push(`${r.case}: ${r.ratio} × skopeo copy, target ${r.target}`);
    console.log(`${FLEET} distinct images, ${CONCURRENCY} in flight, one connection pool (library)`);
    console.table([
      {
        images: FLEET,
        ms: Math.round(fleetResult.ms),
        "images/s": +((FLEET * 1000) / fleetResult.ms).toFixed(1),
        "verified in registry": fleetResult.verified,
        "peak RSS MiB": Math.round(fleetResult.peakRssKiB / 1024),
        ok: fleetResult.verified === FLEET ? "yes" : "NO",
      },
    ]);
    if (fleetResult.verified !== FLEET) failures.push(`fleet: ${fleetResult.verified} of ${FLEET} images verified`);
    verdict(failures);
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--fleet") await fleet(process.argv[3]);
else await main();
