/**
 * WASI preview 1 files under `ocre run --dir host:guest`: a C container (Debian clang +
 * wasi-libc) makes the calls upstream's filesystem samples make in a sandbox folder, every way
 * out of the folder is refused with ENOTCAPABLE (76), the bounds hold, and bad --dir values are
 * refused before anything runs. test/conformance.test.ts runs the same container under both
 * profiles; its expected output is what upstream Ocre 0.7 printed (test/conformance/README.md).
 */
import { lstat, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { execa } from "execa";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { conformanceSandbox } from "./helpers/fs-sandbox.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { buildCContainer } from "./helpers/c-container.js";
import { missingTools } from "./helpers/tools.js";

const suite = path.join(repoRoot, "test/conformance");

describe.skipIf(missingTools("clang", "wasm-ld", "mkfifo"))("ocre run --dir (WASI files)", () => {
  let work = "";
  let fsWasm = "";
  let limitsWasm = "";

  beforeAll(async () => {
    work = await tempDir("ocre-wasi-fs-build-");
    fsWasm = path.join(work, "filesystem.wasm");
    limitsWasm = path.join(work, "limits.wasm");
    await buildCContainer(path.join(suite, "c", "filesystem.c"), fsWasm, ["-Wl,--max-memory=1048576"]);
    await buildCContainer(path.join(repoRoot, "test/fixtures/wasi-fs/limits.c"), limitsWasm, [
      "-Wl,--max-memory=1048576",
    ]);
  }, 120_000);

  it("does upstream's file calls in the folder and refuses every way out of it", async () => {
    const dir = await conformanceSandbox("ocre-wasi-fs-");
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-canary`);
    await writeFile(outside, "outside");
    const run = await runOcre(["run", fsWasm, "--dir", `${dir}:/data`, "--virtual-time"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const want = (await readFile(path.join(suite, "expected", "filesystem.txt"), "utf8")).replace(
      /\[filesystem:.*\]\n$/,
      "",
    );
    expect(run.stdout).toBe(want.trimEnd());
    // The container removed what it made; the links are as they were; nothing outside changed.
    expect((await readdir(dir)).sort()).toEqual(["abs", "in", "up"]);
    expect((await lstat(path.join(dir, "up"))).isSymbolicLink()).toBe(true);
    expect(await readFile(outside, "utf8")).toBe("outside");
  });

  it("leaves the files a container writes in the host folder, at the guest path given", async () => {
    const dir = await conformanceSandbox("ocre-wasi-fs-");
    const source = path.join(work, "writer.c");
    await writeFile(
      source,
      [
        "#include <stdio.h>",
        "int main(void) {",
        '  FILE *f = fopen("/srv/out/log.txt", "w");',
        '  if (f == NULL) { perror("fopen"); return 1; }',
        '  fputs("line 1\\nline 2\\n", f);',
        "  return fclose(f);",
        "}",
        "",
      ].join("\n"),
    );
    const writer = path.join(work, "writer.wasm");
    await buildCContainer(source, writer, ["-Wl,--max-memory=1048576"]);
    await mkdir(path.join(dir, "out"));
    const run = await runOcre(["run", writer, "--dir", `${dir}:/srv`, "--virtual-time"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await readFile(path.join(dir, "out", "log.txt"), "utf8")).toBe("line 1\nline 2\n");
  });

  it("bounds open files, path length and file size, and does not open a FIFO", async () => {
    const dir = await tempDir("ocre-wasi-fs-limits-");
    await execa("mkfifo", [path.join(dir, "fifo")]);
    const run = await runOcre(["run", limitsWasm, "--dir", dir, "--virtual-time", "--timeout", "60s"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      [
        "open #17: errno 33", // EMFILE
        "opened 16",
        "long path: -1 errno 37", // ENAMETOOLONG
        "write at 16777215: 1",
        "write past 16 MiB: -1 errno 22", // EFBIG
        "fifo: -1 errno 58", // ENOTSUP
      ].join("\n"),
    );
    expect((await stat(path.join(dir, "big"))).size).toBe(16 * 1024 * 1024);
  });

  it("without --dir the container finds no preopened directory", async () => {
    const run = await runOcre(["run", fsWasm, "--virtual-time"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("no preopened directory");
  });

  it("refuses a missing folder, a relative guest path and two folders at one path", async () => {
    const dir = await conformanceSandbox("ocre-wasi-fs-");
    const missing = await runOcre(["run", fsWasm, "--dir", path.join(dir, "nope")]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(`error OCRE_RUN_DIR: --dir: ${path.join(dir, "nope")} is not a folder`);
    const relative = await runOcre(["run", fsWasm, "--dir", `${dir}:data`]);
    expect(relative.exitCode).toBe(1);
    expect(relative.stderr).toContain('error OCRE_RUN_DIR: --dir: the guest path "data" is not absolute');
    const twice = await runOcre(["run", fsWasm, "--dir", `${dir}:/d`, "--dir", `${work}:/d/`]);
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toContain("error OCRE_RUN_DIR: --dir: two folders at /d");
    const empty = await runOcre(["run", fsWasm, "--dir", ":/d"]);
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain('error OCRE_RUN_DIR: --dir ":/d" names no host folder');
  });
});
