/**
 * Files on the device: a container with the `filesystem` capability makes `ocre build --board`
 * turn on the shim's WASI files (CONFIG_OCRE_WASI_FS) and give the firmware a file system: by
 * default an ext2 RAM disk the ocre module formats and mounts at boot, or whatever the board's
 * catalog entry says (`filesystem: ram-disk | mounted | none`). The generated prj.conf, overlay
 * and budget are asserted, and each refusal writes nothing.
 */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import wabtInit from "wabt";
import { describe, expect, it } from "vitest";
import { boardsDir } from "../cli/paths.js";
import { runOcre, tempDir } from "./helpers/cli.js";
import { generateFor, makeConfig, makeSpec } from "./generate-fixtures.js";
import { caught } from "./helpers/errors.js";

const files = makeSpec({ name: "logger", capabilities: ["filesystem"] });
const plain = makeSpec({ name: "hello" });

async function text(file: string): Promise<string> {
  return readFile(file, "utf8");
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** An app folder with boards/<id>.yaml: mps2-an521's entry renamed, with this `filesystem` line. */
async function appWithBoard(id: string, filesystemLine: string): Promise<string> {
  const appDir = await tempDir("ocre-gen-fs-");
  await mkdir(path.join(appDir, "boards"));
  const base = await readFile(path.join(boardsDir, "mps2-an521.yaml"), "utf8");
  await writeFile(
    path.join(appDir, "boards", `${id}.yaml`),
    `${base.replace("id: mps2-an521", `id: ${id}`)}\n${filesystemLine}\n`,
  );
  return appDir;
}

const kconfigLines = (prj: string): string[] => prj.split("\n").filter((l) => l.startsWith("CONFIG_"));

describe("generate: files for containers with the filesystem capability", () => {
  it("a board without a filesystem entry gets a 64 KiB ext2 RAM disk, counted in the budget", async () => {
    const appDir = await tempDir("ocre-gen-fs-");
    const report = await generateFor([plain, files], makeConfig(appDir), { boards: ["mps2-an521"] });
    const dir = path.join(appDir, "build/mps2-an521");
    const prj = kconfigLines(await text(path.join(dir, "prj.conf")));
    // The shim's own WASI files live in the minimal WASI (WAMR's libc-wasi does not build here).
    expect(prj).toContain("CONFIG_OCRE_WASI_MINIMAL=y");
    expect(prj.some((l) => l.startsWith("CONFIG_OCRE_WASI_FULL"))).toBe(false);
    for (const line of [
      "CONFIG_FILE_SYSTEM=y",
      "CONFIG_OCRE_WASI_FS=y",
      "CONFIG_FILE_SYSTEM_EXT2=y",
      "CONFIG_FILE_SYSTEM_MKFS=y",
      "CONFIG_EXT2_MAX_BLOCK_SIZE=1024",
      "CONFIG_DISK_ACCESS=y",
      "CONFIG_DISK_DRIVER_RAM=y",
      "CONFIG_OCRE_WASI_FS_RAM_DISK=y",
    ])
      expect(prj).toContain(line);
    const overlay = await text(path.join(dir, "boards/mps2_an521_cpu0.overlay"));
    expect(overlay).toContain('compatible = "zephyr,ram-disk";');
    expect(overlay).toContain('disk-name = "RAM";');
    expect(overlay).toContain("sector-size = <512>;");
    expect(overlay).toContain("sector-count = <128>;"); // 64 KiB
    expect(overlay).toContain("Files of logger (capability filesystem)");
    // Only the container that asked has the capability bit.
    const main = await text(path.join(dir, "src/main.c"));
    expect(main).toMatch(/app1_meta = \{[^}]*\.capabilities = OCRE_CAP_FILESYSTEM,/s);
    expect(main).toMatch(/app0_meta = \{[^}]*\.capabilities = 0u,/s);

    const budget = report!["mps2-an521"]!.budget;
    expect(budget.ram.filesystemBytes).toBe(64 * 1024 + 15 * 1024);
    const without = (await generateFor([plain], makeConfig(await tempDir()), { boards: ["mps2-an521"] }))![
      "mps2-an521"
    ]!.budget;
    expect(without.ram.filesystemBytes).toBe(0);
    expect(budget.flash.filesystemBytes).toBe(23 * 1024);
    expect(budget.flash.totalBytes).toBe(
      budget.flash.zephyrBytes +
        budget.flash.runtimeBytes +
        budget.flash.shimBytes +
        23 * 1024 +
        budget.flash.modulesBytes,
    );
    expect(without.flash.filesystemBytes).toBe(0);
    const r = budget.ram;
    expect(r.totalBytes).toBe(
      r.zephyrBytes +
        r.runtimeBytes +
        r.heapPoolBytes +
        r.threadStackBytes +
        r.containerDataBytes +
        r.imageBytes +
        79 * 1024,
    );
  });

  it("no container with the capability: no file system, no RAM disk", async () => {
    const appDir = await tempDir("ocre-gen-fs-");
    await generateFor([plain], makeConfig(appDir), { boards: ["mps2-an521"] });
    const dir = path.join(appDir, "build/mps2-an521");
    const prj = await text(path.join(dir, "prj.conf"));
    expect(prj).not.toMatch(/FILE_SYSTEM|OCRE_WASI_FS|DISK/);
    expect(await text(path.join(dir, "boards/mps2_an521_cpu0.overlay"))).not.toContain("ram-disk");
  });

  it("a board entry sizes the RAM disk, or says the board mounts its own storage", async () => {
    const small = await appWithBoard("an521-small-disk", "filesystem: { kind: ram-disk, sizeKb: 32 }");
    const smallReport = await generateFor([files], makeConfig(small), { boards: ["an521-small-disk"] });
    const smallDir = path.join(small, "build/an521-small-disk");
    expect(await text(path.join(smallDir, "boards/mps2_an521_cpu0.overlay"))).toContain("sector-count = <64>;");
    expect(smallReport!["an521-small-disk"]!.budget.ram.filesystemBytes).toBe(47 * 1024);

    const mounted = await appWithBoard("an521-storage", "filesystem: { kind: mounted }");
    const report = await generateFor([files], makeConfig(mounted), { boards: ["an521-storage"] });
    const dir = path.join(mounted, "build/an521-storage");
    const prj = kconfigLines(await text(path.join(dir, "prj.conf")));
    expect(prj).toContain("CONFIG_FILE_SYSTEM=y");
    expect(prj).toContain("CONFIG_OCRE_WASI_FS=y");
    expect(prj.filter((l) => /EXT2|DISK|MKFS/.test(l))).toEqual([]);
    expect(await text(path.join(dir, "boards/mps2_an521_cpu0.overlay"))).not.toContain("ram-disk");
    expect(report!["an521-storage"]!.budget.ram.filesystemBytes).toBe(0);
    expect(report!["an521-storage"]!.budget.flash.filesystemBytes).toBe(0);
  });

  it("a board with `filesystem: none` refuses the container and writes nothing", async () => {
    const appDir = await appWithBoard("an521-nofs", "filesystem: { kind: none }");
    const error = await caught(generateFor([plain, files], makeConfig(appDir), { boards: ["an521-nofs"] }));
    expect(error.code).toBe("OCRE_BOARD_NO_FILESYSTEM");
    expect(error.message).toBe(
      "an521-nofs has no file system for logger (capability filesystem; the board's catalog entry says filesystem: none)",
    );
    expect(error.hint).toContain("drop the filesystem capability");
    expect(error.exitCode).toBe(1);
    expect(await exists(path.join(appDir, "build"))).toBe(false);
    // The same board builds a container without the capability.
    await generateFor([plain], makeConfig(appDir), { boards: ["an521-nofs"] });
    expect(await exists(path.join(appDir, "build/an521-nofs/prj.conf"))).toBe(true);
  });

  it("files and sockets in one firmware are refused", async () => {
    const appDir = await tempDir("ocre-gen-fs-");
    const net = makeSpec({ name: "fetcher", capabilities: ["networking"] });
    const error = await caught(generateFor([files, net], makeConfig(appDir), { boards: ["mps2-an521"] }));
    expect(error.code).toBe("OCRE_FILESYSTEM_WITH_NETWORKING");
    expect(error.message).toContain("logger needs files and fetcher sockets in one firmware");
    expect(await exists(path.join(appDir, "build"))).toBe(false);
  });

  it("a board too small for the RAM disk fails the budget, naming the disk", async () => {
    // 8 MiB of RAM holds the container, not with a 16 MiB disk.
    const appDir = await appWithBoard("an521-huge-disk", "filesystem: { kind: ram-disk, sizeKb: 16384 }");
    const board = path.join(appDir, "boards/an521-huge-disk.yaml");
    await writeFile(board, (await text(board)).replace("ramKb: 4096", "ramKb: 8192"));
    const error = await caught(generateFor([files], makeConfig(appDir), { boards: ["an521-huge-disk"] }));
    expect(error.code).toBe("OCRE_BUDGET");
    expect(error.details.join("\n")).toMatch(/\+ files 16399 KB \(RAM disk\)/);
    expect(await exists(path.join(appDir, "build"))).toBe(false);
  });

  it("a catalog entry with a bad filesystem is refused by the board schema", async () => {
    const appDir = await appWithBoard("an521-badfs", "filesystem: { kind: ram-disk, sizeKb: 8 }");
    const error = await caught(generateFor([files], makeConfig(appDir), { boards: ["an521-badfs"] }));
    expect(error.code).toBe("OCRE_BOARD_INVALID");
    expect(error.message).toContain("filesystem");
  });
});

describe("ocre build --board (CLI): a prebuilt container with the filesystem capability", () => {
  it("generates the file system, and exits 1 with the board's refusal", async () => {
    const wabt = await wabtInit();
    const module = wabt.parseWat("m.wat", `(module (memory (export "memory") 1 2) (func (export "_start")))`);
    const wasm = new Uint8Array(module.toBinary({}).buffer);
    module.destroy();
    const appDir = await appWithBoard("an521-nofs", "filesystem: { kind: none }");
    await writeFile(path.join(appDir, "m.wasm"), wasm);
    await writeFile(
      path.join(appDir, "ocre.yaml"),
      "name: logger\nversion: 0.1.0\nentry: m.wasm\ncapabilities: [filesystem]\nmemory: { maxPages: 2 }\n",
    );
    const ok = await runOcre(["build", "--board", "mps2-an521"], { cwd: appDir });
    expect(ok.exitCode).toBe(0);
    expect(await text(path.join(appDir, "build/mps2-an521/prj.conf"))).toMatch(/^CONFIG_OCRE_WASI_FS_RAM_DISK=y$/m);

    const refused = await runOcre(["build", "--board", "an521-nofs"], { cwd: appDir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("OCRE_BOARD_NO_FILESYSTEM");
    expect(refused.stderr).toContain("an521-nofs has no file system for logger");
    expect(await exists(path.join(appDir, "build/an521-nofs"))).toBe(false);
  });
});
