/**
 * The families issue 15 adds to what ocre builds with Debian's packages: native_sim (Zephyr as
 * a Linux program run by `ocre emulate`) and Espressif (doctor's checks for ESP32-C3, and what
 * it names for ESP32's Xtensa toolchain). The MIPS toolchain has its own file
 * (firmware-mips-softfloat.test.ts).
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadFirmwareBoard } from "../cli/firmware/board.js";
import { runDoctor, type DoctorCheck, type DoctorReport } from "../cli/firmware/doctor/doctor.js";
import { emulate, emulatorCommand } from "../cli/firmware/emulate.js";
import { missingTools } from "./helpers/tools.js";
import { tempDir } from "./helpers/cli.js";

const check = (report: DoctorReport, id: string): DoctorCheck | undefined => report.checks.find((c) => c.id === id);

/** This machine's environment without a Zephyr workspace. */
function envWithoutZephyr(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(ZEPHYR_|OCRE_WAMR_DIR$)/.test(k)) env[k] = v;
  return env;
}

describe("native_sim", () => {
  it("is the 64-bit native_sim built with the host gcc, and its emulator is the built zephyr.exe", async () => {
    const board = await loadFirmwareBoard("native_sim/native/64");
    expect([board.id, board.family, board.gnu?.variant, board.gnu?.compiler]).toEqual([
      "native_sim",
      "native",
      "host",
      "gcc",
    ]);
    expect(emulatorCommand(board, "/app/build/native_sim/firmware/zephyr.elf")).toEqual([
      "/app/build/native_sim/firmware/zephyr.exe",
    ]);
  });

  describe.skipIf(missingTools("gcc"))("with the host gcc", () => {
    it("doctor selects Zephyr's host toolchain variant and has no emulator to install", async () => {
      const board = await loadFirmwareBoard("native_sim");
      const report = await runDoctor({ board, cwd: await tempDir(), env: envWithoutZephyr() });
      expect(check(report, "toolchain:native")?.status).toBe("ok");
      expect(report.toolchain).toMatchObject({
        kind: "gnu",
        variant: "host",
        env: { ZEPHYR_TOOLCHAIN_VARIANT: "host" },
      });
      expect(report.checks.filter((c) => c.id.startsWith("emulator:"))).toEqual([]);
    });
  });

  it("ocre emulate runs zephyr.exe next to the image and reads its console", async () => {
    // A stand-in for the built program: prints what the generated main.c prints, then waits to
    // be stopped as zephyr.exe does.
    const dir = path.join(await tempDir("ocre-native-"), "firmware");
    await mkdir(dir);
    await writeFile(path.join(dir, "zephyr.elf"), "");
    const exe = path.join(dir, "zephyr.exe");
    await writeFile(
      exe,
      "#!/bin/sh\necho '*** Booting Zephyr OS build v3.7.1 ***'\necho 'ocre: containers finished (exit 0)'\nexec sleep 30\n",
    );
    await chmod(exe, 0o755);
    const board = await loadFirmwareBoard("native_sim");
    const result = await emulate({ board, kernel: path.join(dir, "zephyr.elf"), timeoutMs: 20_000 });
    expect(result).toMatchObject({ ok: true, outcome: "exited", containerExitCode: 0, exitCode: 0 });
    expect(result.command).toEqual([exe]);
    expect(result.durationMs).toBeLessThan(15_000);
  });
});

describe("Espressif", () => {
  describe.skipIf(missingTools("riscv64-unknown-elf-gcc", "python3"))("ESP32-C3 with Debian's RISC-V compiler", () => {
    it("doctor requires Debian's picolibc and esptool's Python modules", async () => {
      const board = await loadFirmwareBoard("esp32c3_devkitm");
      const report = await runDoctor({ board, cwd: await tempDir(), env: envWithoutZephyr(), toolchain: "gnu" });
      // The board selects CONFIG_PICOLIBC=y: the C library check requires picolibc.
      const picolibc = check(report, "libc");
      expect(picolibc).toMatchObject({ status: "ok", required: true });
      expect(picolibc?.path).toMatch(/\/picolibc\.specs$/);
      const py = check(report, "python:esptool");
      expect(py?.required).toBe(true);
      // CI installs python3-intelhex and python3-serial (test/apt-packages.txt); elsewhere a
      // missing one must come with its package.
      if (process.env.CI === "true") expect(py?.status).toBe("ok");
      else if (py?.status !== "ok") expect(py?.fix).toMatch(/^apt-get install python3-(intelhex|serial)/);
    });

    it("doctor finds hal_espressif in a workspace, or gives the west.yml revision to fetch", async () => {
      const root = await tempDir("ocre-esp-ws-");
      const zephyr = path.join(root, "zephyr");
      await mkdir(path.join(zephyr, "cmake", "modules"), { recursive: true });
      await writeFile(path.join(zephyr, "VERSION"), "VERSION_MAJOR = 3\nVERSION_MINOR = 7\nPATCHLEVEL = 1\n");
      await writeFile(
        path.join(zephyr, "west.yml"),
        "manifest:\n  remotes:\n    - name: upstream\n      url-base: https://github.com/zephyrproject-rtos\n  defaults:\n    remote: upstream\n  projects:\n    - name: hal_espressif\n      revision: 01fc4ec49b8b178d7aea765cdb8709311ee4c50b\n      path: modules/hal/espressif\n",
      );
      const board = await loadFirmwareBoard("esp32c3_devkitm");
      const env = { ...envWithoutZephyr(), ZEPHYR_BASE: zephyr };
      const missing = await runDoctor({ board, cwd: root, env, toolchain: "gnu" });
      expect(check(missing, "modules")).toMatchObject({ status: "missing", required: true });
      expect(check(missing, "modules")?.fix).toMatch(/^west update hal_espressif/);
      expect(check(missing, "modules")?.fix).toMatch(/checkout 01fc4ec49b8b178d7aea765cdb8709311ee4c50b/);
      const hal = path.join(root, "modules", "hal", "espressif");
      await mkdir(path.join(hal, "zephyr"), { recursive: true });
      await writeFile(path.join(hal, "zephyr", "module.yml"), "name: hal_espressif\n");
      const found = await runDoctor({ board, cwd: root, env, toolchain: "gnu" });
      expect(check(found, "modules")).toMatchObject({ status: "ok", detail: `hal_espressif: ${hal}` });
    });
  });

  it("ESP32 (Xtensa): doctor names the Zephyr SDK toolchain and Espressif's, with their variables", async () => {
    const board = await loadFirmwareBoard("esp32_devkitc");
    const report = await runDoctor({ board, cwd: await tempDir(), env: { PATH: "/nonexistent" } });
    const toolchain = check(report, "toolchain:xtensa");
    expect(toolchain?.status).toBe("missing");
    expect(toolchain?.fix).toMatch(/xtensa-espressif_esp32_zephyr-elf/);
    expect(toolchain?.fix).toMatch(/ZEPHYR_TOOLCHAIN_VARIANT=espressif ESPRESSIF_TOOLCHAIN_PATH=/);
    expect(toolchain?.fix).toMatch(/xtensa-esp32-elf/);
  });
});
