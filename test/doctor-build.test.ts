import { chmod, cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DoctorReport } from "../cli/firmware/doctor/doctor.js";
import { probePython, which } from "../cli/firmware/doctor/probe.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";
import { fakeWorkspace } from "./helpers/workspace.js";

/**
 * `ocre doctor --board B` and `ocre build --firmware --board B` run one check list: on the same
 * machine (PATH) and workspace they agree. doctor "ready" means the build gets past its checks
 * (here it then fails in CMake, since the fake Zephyr tree builds nothing); anything doctor
 * reports missing stops the build before CMake, naming the same item.
 */

const TOOLS = ["cmake", "ninja", "dtc", "python3", "arm-none-eabi-gcc", "qemu-system-arm"];
const PREREQ = ["OCRE_FIRMWARE_PREREQ", "OCRE_FIRMWARE_MODULES"];

interface Case {
  name: string;
  board: string;
  modules: string[];
  /** Replace arm-none-eabi-gcc with a compiler that has no C library. */
  noLibc?: boolean;
  /** Kconfig lines of an app-local override of the board file. */
  kconfig?: string[];
  /** The check doctor must report missing, or null for "ready". */
  missing: string | null;
}

const CASES: Case[] = [
  { name: "everything present", board: "mps2-an521", modules: ["cmsis"], missing: null },
  { name: "cmsis absent", board: "mps2-an521", modules: [], missing: "modules" },
  { name: "hal_stm32 absent (cmsis present)", board: "stm32f746g_disco", modules: ["cmsis"], missing: "modules" },
  { name: "hal_stm32 and cmsis present", board: "stm32f746g_disco", modules: ["cmsis", "hal_stm32"], missing: null },
  // Zephyr's minimal libc (the default with a GNU toolchain) needs no toolchain C library.
  { name: "no C library, minimal libc", board: "mps2-an521", modules: ["cmsis"], noLibc: true, missing: null },
  {
    name: "no C library, the board file selects newlib",
    board: "mps2-an521",
    modules: ["cmsis"],
    noLibc: true,
    kconfig: ["CONFIG_NEWLIB_LIBC=y"],
    missing: "libc",
  },
];

describe.skipIf(missingTools(...TOOLS))("doctor and the firmware build agree", () => {
  let python = "";

  beforeAll(async () => {
    python = (await probePython(process.env))!.path;
  });

  /** A copy of the blinky fixture, with the board file overridden when the case says so. */
  async function appFor(c: Case): Promise<string> {
    const app = path.join(await tempDir("ocre-agree-"), "app");
    await cp(path.join(repoRoot, "test/fixtures/pipeline/blinky"), app, { recursive: true });
    if (c.kconfig) {
      const yaml = await readFile(path.join(repoRoot, "boards", `${c.board}.yaml`), "utf8");
      await mkdir(path.join(app, "boards"));
      await writeFile(
        path.join(app, "boards", `${c.board}.yaml`),
        yaml.replace(/^kconfig: \[\]$/m, `kconfig: [${c.kconfig.join(", ")}]`),
      );
    }
    return app;
  }

  async function machine(c: Case): Promise<Record<string, string>> {
    const root = await tempDir("ocre-agree-ws-");
    const ws = await fakeWorkspace(root, c.modules);
    const bin = path.join(root, "bin");
    await mkdir(bin);
    for (const tool of TOOLS) {
      const target = tool === "python3" ? python : (await which(tool, process.env))!;
      if (tool === "arm-none-eabi-gcc" && c.noLibc) {
        // The compiler without its libnewlib package: it echoes the bare name for libc.a.
        await writeFile(
          path.join(bin, tool),
          `#!/bin/sh\ncase "$1" in -print-file-name=*) echo "\${1#-print-file-name=}";; *) exec ${target} "$@";; esac\n`,
        );
        await chmod(path.join(bin, tool), 0o755);
      } else await symlink(target, path.join(bin, tool));
    }
    return { PATH: bin, HOME: root, ZEPHYR_BASE: ws.zephyr, OCRE_WAMR_DIR: ws.wamr, ZEPHYR_SDK_INSTALL_DIR: "" };
  }

  for (const c of CASES) {
    it(`${c.board}, ${c.name}: doctor ${c.missing === null ? "ready, the build passes its checks" : `reports ${c.missing}, the build stops before CMake`}`, async () => {
      const env = await machine(c);
      const app = await appFor(c);
      const doctor = await runOcre(["doctor", "--board", c.board, "--toolchain", "gnu", "--json"], { env, cwd: app });
      const report = JSON.parse(doctor.stdout) as DoctorReport;
      const missing = report.checks.filter((k) => k.required && k.status !== "ok").map((k) => k.id);
      expect(missing).toEqual(c.missing === null ? [] : [c.missing]);
      expect(doctor.exitCode).toBe(c.missing === null ? 0 : 1);

      const build = await runOcre(
        ["build", "--board", c.board, "--firmware", "--toolchain", "gnu", "--allow-over-budget", "--json"],
        { env, cwd: app },
      );
      expect(build.exitCode, build.stderr).toBe(1);
      const error = (JSON.parse(build.stdout) as { error: { code: string; message: string; details?: string[] } })
        .error;
      if (c.missing === null) {
        // Past every check: the fake tree fails in CMake.
        expect(PREREQ).not.toContain(error.code);
        expect(error.code).toBe("OCRE_FIRMWARE_BUILD");
      } else {
        expect(PREREQ).toContain(error.code);
        const item = report.checks.find((k) => k.id === c.missing)!;
        if (c.missing === "modules") expect(error.message).toMatch(/needs the Zephyr module/);
        else expect(error.message).toContain(item.label);
      }
    }, 120_000);
  }

  it("doctor names the Python builds get with the flag builds pass (-DPython3_EXECUTABLE)", async () => {
    const env = await machine(CASES[0]!);
    const app = await appFor(CASES[0]!);
    // A python3 first on PATH without Zephyr's modules (no site-packages), the good one after it.
    const first = path.join(env.HOME!, "bin-first");
    await mkdir(first);
    await writeFile(path.join(first, "python3"), `#!/bin/sh\nexec ${python} -S "$@"\n`);
    await chmod(path.join(first, "python3"), 0o755);
    const withFirst = { ...env, PATH: `${first}:${env.PATH}` };
    const doctor = await runOcre(["doctor", "--board", "mps2-an521", "--toolchain", "gnu", "--json"], {
      env: withFirst,
      cwd: app,
    });
    const check = (JSON.parse(doctor.stdout) as DoctorReport).checks.find((k) => k.id === "python")!;
    expect(check.path).not.toBe(path.join(first, "python3"));
    expect(check.detail).toBe(
      `the first python3 on PATH lacks Zephyr's modules; builds pass -DPython3_EXECUTABLE=${check.path}`,
    );
    await runOcre(["build", "--board", "mps2-an521", "--firmware", "--toolchain", "gnu"], { env: withFirst, cwd: app });
    const log = await readFile(path.join(app, "build/.ocre-cmake/mps2-an521/build.log"), "utf8");
    expect(log).toContain(`-DPython3_EXECUTABLE=${check.path}`);
  }, 120_000);
});
