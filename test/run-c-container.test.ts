import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runContainers } from "../cli/sim/run.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { buildCContainer } from "./helpers/c-container.js";
import { missingTools } from "./helpers/tools.js";

const fixture = path.join(repoRoot, "test/fixtures/c-container");

/**
 * An upstream-style C container (wasi-libc, imported memory, the env ABI declared by hand),
 * built the way upstream builds its samples, runs under `ocre run` with the expected output.
 */
describe.skipIf(missingTools("clang", "wasm-ld"))("upstream C containers", () => {
  let wasmFile = "";

  beforeAll(async () => {
    const dir = await tempDir("ocre-c-container-");
    wasmFile = path.join(dir, "c-container.wasm");
    await buildCContainer(path.join(fixture, "main.c"), wasmFile, ["-Wl,--max-memory=4194304"]);
  });

  it("runs with `ocre run --virtual-time` and prints the expected output", async () => {
    const run = await runOcre(["run", wasmFile, "--virtual-time"]);
    expect(run.stderr).not.toContain("warning");
    // runOcre strips the final newline, as a shell would.
    expect(run.stdout).toBe((await readFile(path.join(fixture, "expected-output.txt"), "utf8")).trimEnd());
    expect(run.stderr).toMatch(/\[0\.500s\] led0 \(0\.0\) = 1/);
    expect(run.exitCode).toBe(0);
  });

  it("runs in real time too, with a 100 ms timer taking real time", async () => {
    const wasm = new Uint8Array(await readFile(wasmFile));
    const start = performance.now();
    const run = await runContainers({
      containers: [{ name: "c-container", wasm, capabilities: ["ocre:api"] }],
      timeoutMs: 10_000,
    });
    expect(run.containers[0]).toMatchObject({ status: "exited", exitCode: 0 });
    expect(run.appTimeMs).toBeGreaterThanOrEqual(550);
    expect(performance.now() - start).toBeGreaterThanOrEqual(550);
  });
});
