/**
 * An ocre.yaml whose entry is a prebuilt .wasm: an upstream-style C container (Debian clang +
 * wasi-libc) goes through `ocre build` — the same checks as an AssemblyScript app — into
 * build/<name>.wasm, the OCI image, the report and a board's west project, byte for byte; a
 * bad module fails with the error a user can act on and writes nothing.
 */
import { readFile, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { readLayoutEntries, readLayoutImage } from "../cli/oci/layout.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { buildCContainer } from "./helpers/c-container.js";
import { missingTools } from "./helpers/tools.js";

const fixture = path.join(repoRoot, "test/fixtures/c-container");

/** An app directory holding `module.wasm` built from `source` and this ocre.yaml. */
async function prebuiltApp(manifest: string, source: string, linkFlags: string[]): Promise<string> {
  const dir = await tempDir("ocre-prebuilt-");
  await buildCContainer(source, path.join(dir, "module.wasm"), linkFlags);
  await writeFile(path.join(dir, "ocre.yaml"), manifest);
  return dir;
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

describe.skipIf(missingTools("clang", "wasm-ld"))("ocre.yaml with a prebuilt .wasm entry", () => {
  let app = "";
  let module: Buffer;

  beforeAll(async () => {
    app = await prebuiltApp(
      [
        "name: c-container",
        "version: 1.2.0",
        "entry: module.wasm",
        "capabilities: [ocre:api]",
        "memory: { maxPages: 4, heap: 2048 }",
        "",
      ].join("\n"),
      path.join(fixture, "main.c"),
      ["-Wl,--max-memory=262144"],
    );
    module = await readFile(path.join(app, "module.wasm"));
  });

  it("builds the module as it is into build/, the image and a board's west project", async () => {
    const run = await runOcre(["build", "--board", "mps2-an521", "--json"], { cwd: app });
    expect(run.exitCode, run.stderr).toBe(0);
    const built = await readFile(path.join(app, "build", "c-container.wasm"));
    expect(Buffer.compare(built, module)).toBe(0);

    const report = JSON.parse(await readFile(path.join(app, "build", "report.json"), "utf8"));
    expect(report.stages.compile).toMatchObject({ prebuilt: "module.wasm", sourceFiles: 0, sizeBytes: module.length });
    expect(report.stages.optimise).toMatchObject({ rounds: 0, sizeBytes: module.length });
    expect(report.app.memory).toEqual({
      initialPages: expect.any(Number),
      maxPages: 4,
      imported: true,
      stackBytes: 8192,
      heapBytes: 2048,
    });
    expect(report.app.imports).toContainEqual({
      module: "env",
      name: "ocre_timer_create",
      signature: "(i32) -> i32",
    });
    expect(report.app.imports).toContainEqual({
      module: "wasi_snapshot_preview1",
      name: "fd_write",
      signature: "(i32, i32, i32, i32) -> i32",
    });
    expect(report.app.exports).toContain("_start");

    const layout = path.join(app, "build", "oci");
    const [entry] = await readLayoutEntries(layout);
    const image = await readLayoutImage(layout, entry!.descriptor);
    const layer = image.blobs.get(image.manifest.layers[0]!.digest)!;
    expect(Buffer.compare(Buffer.from(layer), module)).toBe(0);
    expect(image.manifest.annotations!["io.ocre.capabilities"]).toBe("ocre:api");
    expect(image.manifest.annotations!["io.ocre.memory.max-pages"]).toBe("4");

    const embedded = await readFile(path.join(app, "build", "mps2-an521", "containers", "app0.wasm"));
    expect(Buffer.compare(embedded, module)).toBe(0);
    const main = await readFile(path.join(app, "build", "mps2-an521", "src", "main.c"), "utf8");
    expect(main).toContain('"/lfs/ocre/images/c-container.wasm"');
    expect(main).toContain("OCRE_CAP_API");
  });

  it("prints the prebuilt stage, is a no-op when nothing changed, and rebuilds when the module does", async () => {
    const first = await runOcre(["build"], { cwd: app });
    expect(first.exitCode, first.stderr).toBe(0);
    const again = await runOcre(["build"], { cwd: app });
    expect(again.stdout).toContain("(up to date)");
    await buildCContainer(path.join(fixture, "main.c"), path.join(app, "module.wasm"), [
      "-Wl,--max-memory=262144",
      "-Wl,-z,stack-size=16384",
    ]);
    const rebuilt = await runOcre(["build", "--rebuild"], { cwd: app });
    expect(rebuilt.exitCode, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/prebuilt +[0-9.]+ (B|KiB) +\d+ ms +\(module\.wasm, taken as it is\)/);
    expect(rebuilt.stdout).not.toContain("optimise");
    expect(
      Buffer.compare(
        await readFile(path.join(app, "build", "c-container.wasm")),
        await readFile(path.join(app, "module.wasm")),
      ),
    ).toBe(0);
  });

  it("`ocre run <app>` runs the prebuilt module with the expected output", async () => {
    const run = await runOcre(["run", app, "--virtual-time"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe((await readFile(path.join(fixture, "expected-output.txt"), "utf8")).trimEnd());
  });

  it("refuses an import the runtime lacks, naming it, and writes nothing", async () => {
    const dir = await tempDir("ocre-prebuilt-bad-");
    const source = path.join(dir, "typo.c");
    await writeFile(
      source,
      [
        "#include <stdint.h>",
        '__attribute__((import_module("env"), import_name("ocre_timer_creat"))) int ocre_timer_creat(int id);',
        "int main(void) { return ocre_timer_creat(1); }",
        "",
      ].join("\n"),
    );
    const bad = await prebuiltApp("name: typo\nversion: 0.1.0\nentry: module.wasm\n", source, [
      "-Wl,--max-memory=131072",
    ]);
    const run = await runOcre(["build", "--board", "mps2-an521"], { cwd: bad });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      "error OCRE_VALIDATE: typo: the container imports env.ocre_timer_creat, which no Ocre runtime provides; did you mean env.ocre_timer_create",
    );
    expect(run.stderr).toContain("declare the Ocre functions as upstream's ocre_api.h does");
    expect(await exists(path.join(bad, "build"))).toBe(false);
  });

  it("refuses a module over memory.maxPages, or with no maximum, with the linker flag that fixes it", async () => {
    const over = await prebuiltApp(
      "name: big\nversion: 0.1.0\nentry: module.wasm\ncapabilities: [ocre:api]\n",
      path.join(fixture, "main.c"),
      ["-Wl,--max-memory=4194304"],
    );
    const run = await runOcre(["build"], { cwd: over });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      "error OCRE_VALIDATE: big: the container memory maximum is 64 pages, over the limit of 2 (memory.maxPages in",
    );
    expect(run.stderr).toContain("raise memory.maxPages to 64 (at most 64), or link with -Wl,--max-memory=131072");
    expect(await exists(path.join(over, "build"))).toBe(false);

    // wasm-ld without --max-memory leaves the imported memory without a maximum.
    const nomax = await prebuiltApp(
      "name: nomax\nversion: 0.1.0\nentry: module.wasm\ncapabilities: [ocre:api]\nmemory: { maxPages: 3 }\n",
      path.join(fixture, "main.c"),
      [],
    );
    const none = await runOcre(["build"], { cwd: nomax });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("error OCRE_VALIDATE: nomax: the container declares no memory maximum");
    expect(none.stderr).toContain("link it with one: -Wl,--max-memory=196608");
  });

  it("refuses a reactor without _start, a file that is not Wasm, one over 4 MiB, and memory.arena", async () => {
    const dir = await tempDir("ocre-prebuilt-reactor-");
    const source = path.join(dir, "reactor.c");
    await writeFile(source, '__attribute__((export_name("tick"))) int tick(int x) { return x + 1; }\n');
    const reactor = path.join(dir, "module.wasm");
    await execa("clang", [
      "--target=wasm32-wasi",
      "-O2",
      "-mexec-model=reactor",
      "-Wl,--max-memory=131072",
      "-o",
      reactor,
      source,
    ]);
    await writeFile(path.join(dir, "ocre.yaml"), "name: reactor\nversion: 0.1.0\nentry: module.wasm\n");
    const run = await runOcre(["build"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_VALIDATE: reactor: the container does not export the function _start");
    expect(run.stderr).toContain("link a WASI command (clang --target=wasm32-wasi with a main)");

    await writeFile(reactor, "#!/bin/sh\necho not wasm\n");
    const text = await runOcre(["build"], { cwd: dir });
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toContain("error OCRE_VALIDATE: the module is not valid for Ocre's runtimes");

    await truncate(reactor, 4 * 1024 * 1024 + 1);
    const huge = await runOcre(["build"], { cwd: dir });
    expect(huge.exitCode).toBe(1);
    expect(huge.stderr).toContain(
      "error OCRE_ENTRY_TOO_LARGE: module.wasm is 4194305 bytes, over the 4194304-byte limit",
    );

    await writeFile(
      path.join(dir, "ocre.yaml"),
      "name: reactor\nversion: 0.1.0\nentry: module.wasm\nmemory: { arena: 4096 }\n",
    );
    const arena = await runOcre(["build"], { cwd: dir });
    expect(arena.exitCode).toBe(1);
    expect(arena.stderr).toContain(
      'memory.arena (fixed memory) needs an AssemblyScript entry, but entry "module.wasm" is a prebuilt module',
    );
    expect(await exists(path.join(dir, "build"))).toBe(false);

    await writeFile(path.join(dir, "ocre.yaml"), "name: reactor\nversion: 0.1.0\nentry: module.wat\n");
    const wat = await runOcre(["build"], { cwd: dir });
    expect(wat.exitCode).toBe(1);
    expect(wat.stderr).toContain("entry is not valid (must match \\.(ts|wasm)$)");
  });
});
