/**
 * Any Wasm container as input: a C container (Debian clang + wasi-libc) becomes an annotated
 * image with `ocre image wrap`, checked as `ocre build` checks an app, and `ocre build
 * --from-image --board` embeds it in a west project; an image without io.ocre.* annotations is
 * taken with defaults and a warning; `ocre build x.wasm` says what to do instead.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalJsonBytes } from "../cli/oci/canonical-json.js";
import { sha256Digest } from "../cli/oci/digest.js";
import { addToLayout, readLayoutEntries, readLayoutImage } from "../cli/oci/layout.js";
import { wrapWasm } from "../cli/oci/wrap.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { buildCContainer } from "./helpers/c-container.js";
import { compileWat } from "./sim-fixtures.js";
import { missingTools } from "./helpers/tools.js";

const fixture = path.join(repoRoot, "test/fixtures/c-container");

describe.skipIf(missingTools("clang", "wasm-ld"))("ocre image wrap", () => {
  let dir = "";
  let wasmFile = "";
  let smallFile = "";
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir("ocre-wrap-");
    wasmFile = path.join(dir, "c-container.wasm");
    await buildCContainer(path.join(fixture, "main.c"), wasmFile, ["-Wl,--max-memory=4194304"]);
    // The same program with a 3-page maximum, as another toolchain might leave it.
    smallFile = path.join(dir, "small.wasm");
    await buildCContainer(path.join(fixture, "main.c"), smallFile, [
      "-Wl,-z,stack-size=8192",
      "-Wl,--initial-memory=131072",
      "-Wl,--max-memory=196608",
    ]);
    env = { OCRE_IMAGE_STORE: path.join(dir, "store") };
  });

  it("wraps a C container into the store, with its imports checked and its capabilities derived", async () => {
    const run = await runOcre(["image", "wrap", "c-container.wasm", "--memory", "4", "--json"], { cwd: dir, env });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ref).toBe("c-container:0.1.0");
    const layout = path.join(dir, "store");
    const entry = (await readLayoutEntries(layout)).find((e) => e.ref === "c-container:0.1.0")!;
    const content = await readLayoutImage(layout, entry.descriptor);
    const a = content.manifest.annotations!;
    expect(a["io.ocre.capabilities"]).toBe("gpio,messaging,timers");
    expect(a["io.ocre.capabilities.upstream"]).toBe("ocre:api");
    // --memory lowers the module's own 64-page maximum (the runtime caps growth there).
    expect(a["io.ocre.memory.max-pages"]).toBe("4");
    const layer = content.blobs.get(content.manifest.layers[0]!.digest)!;
    expect(Buffer.compare(Buffer.from(layer), await readFile(wasmFile))).toBe(0);
  });

  it("then `ocre build --from-image --board` embeds it in a west project", async () => {
    const out = await tempDir("ocre-wrap-fw-");
    const run = await runOcre(["build", "--from-image", "c-container:0.1.0", "--board", "mps2-an521", "--json"], {
      cwd: out,
      env,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const embedded = await readFile(path.join(out, "build", "mps2-an521", "containers", "app0.wasm"));
    expect(Buffer.compare(embedded, await readFile(wasmFile))).toBe(0);
    const main = await readFile(path.join(out, "build", "mps2-an521", "src", "main.c"), "utf8");
    expect(main).toContain("OCRE_CAP_GPIO | OCRE_CAP_MESSAGING | OCRE_CAP_TIMERS");
    expect(main).toContain('"/lfs/ocre/images/c-container.wasm"');
  });

  it("--cap and --tag set the grants and the reference; bad capabilities and limits are refused", async () => {
    const run = await runOcre(
      ["image", "wrap", "c-container.wasm", "--name", "c2", "--tag", "2.0.0", "--cap", "ocre:api", "--memory", "8"],
      { cwd: dir, env },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain("wrapped c-container.wasm as c2:2.0.0");
    expect(run.stderr).toContain("capabilities: ocre:api; 8 pages");
    const bad = await runOcre(["image", "wrap", "c-container.wasm", "--cap", "timer"], { cwd: dir, env });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('unknown capability "timer"; did you mean timers?');
    const big = await runOcre(["image", "wrap", "c-container.wasm", "--memory", "100"], { cwd: dir, env });
    expect(big.exitCode).toBe(1);
    expect(big.stderr).toContain("--memory must be 1..64 pages, not 100");
  });

  it("refuses a module whose imports the runtime lacks, naming the import, and writes nothing", async () => {
    const wasm = await compileWat(`(module
      (import "env" "ocre_timer_creat" (func (param i32) (result i32)))
      (memory (export "memory") 1 1) (func (export "_start")))`);
    const layout = path.join(dir, "refused");
    await expect(wrapWasm(wasm, "typo.wasm", layout, {})).rejects.toMatchObject({
      code: "OCRE_VALIDATE",
      message: expect.stringContaining("imports env.ocre_timer_creat, which no Ocre runtime provides"),
    });
    const sig = await compileWat(`(module
      (import "env" "ocre_timer_create" (func (param i64) (result i32)))
      (memory (export "memory") 1 1) (func (export "_start")))`);
    await expect(wrapWasm(sig, "sig.wasm", layout, {})).rejects.toMatchObject({ code: "OCRE_VALIDATE" });
    const nomax = await compileWat(`(module (memory (export "memory") 1) (func (export "_start")))`);
    await expect(wrapWasm(nomax, "nomax.wasm", layout, {})).rejects.toMatchObject({ code: "OCRE_WRAP_MEMORY" });
    expect(await readLayoutEntries(layout).catch(() => [])).toEqual([]);
  });

  it("--from-image takes an image without io.ocre.* annotations with defaults and a warning", async () => {
    const store = path.join(dir, "store");
    const wrapped = await runOcre(["image", "wrap", "small.wasm"], { cwd: dir, env });
    expect(wrapped.exitCode, wrapped.stderr).toBe(0);
    const entry = (await readLayoutEntries(store)).find((e) => e.ref === "small:0.1.0")!;
    const content = await readLayoutImage(store, entry.descriptor);
    // The same artifact as another tool would push it: no ocre annotations at all.
    const manifest = { ...content.manifest, annotations: { "org.opencontainers.image.title": "plain" } };
    const manifestBytes = canonicalJsonBytes(manifest);
    const plainLayout = path.join(dir, "plain");
    await mkdir(plainLayout, { recursive: true });
    await addToLayout(plainLayout, [
      {
        content: { manifest, manifestBytes, manifestDigest: sha256Digest(manifestBytes), blobs: content.blobs },
        ref: "1",
      },
    ]);
    const out = await tempDir("ocre-wrap-plain-");
    const run = await runOcre(["build", "--from-image", `oci:${plainLayout}:1`, "--board", "mps2-an521"], {
      cwd: out,
      env,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain("carries no io.ocre.* annotations");
    expect(run.stderr).toContain("using capabilities gpio, messaging, timers (what it imports), 3 pages");
    const main = await readFile(path.join(out, "build", "mps2-an521", "src", "main.c"), "utf8");
    expect(main).toContain("OCRE_CAP_GPIO | OCRE_CAP_MESSAGING | OCRE_CAP_TIMERS");
  });

  it("`ocre build x.wasm` names the way in instead of a board-root error", async () => {
    const run = await runOcre(["build", "c-container.wasm", "--board", "mps2-an521"], { cwd: dir, env });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      "error OCRE_BUILD_WASM_TARGET: c-container.wasm is a Wasm module, not an app directory",
    );
    expect(run.stderr).toContain("ocre image wrap c-container.wasm");
    expect(run.stderr).not.toContain("ENOTDIR");
  });
});
