import { beforeAll, describe, expect, it } from "vitest";
import { mkdir, symlink, writeFile, chmod } from "node:fs/promises";
import path from "node:path";
import { loadFirmwareBoard } from "../cli/firmware/board.js";
import { runDoctor, type DoctorCheck, type DoctorReport } from "../cli/firmware/doctor/doctor.js";
import { probePython, which } from "../cli/firmware/doctor/probe.js";
import { missingTools } from "./helpers/tools.js";
import { runOcre, tempDir } from "./helpers/cli.js";
import { fakeWorkspace } from "./helpers/workspace.js";

const ARM_TOOLS = ["cmake", "ninja", "dtc", "python3", "arm-none-eabi-gcc", "qemu-system-arm"];

/** The environment a user without Zephyr has: this machine's PATH, no workspace variables. */
function envWithoutZephyr(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(ZEPHYR_|OCRE_WAMR_DIR$)/.test(k)) env[k] = v;
  // runOcre\'s child inherits this process\'s environment: empty values unset them there too.
  return { ...env, ZEPHYR_BASE: "", OCRE_WAMR_DIR: "" };
}

const check = (report: DoctorReport, id: string): DoctorCheck => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(", ")}`);
  return found;
};

describe.skipIf(missingTools(...ARM_TOOLS))("ocre doctor against the Debian toolchains", () => {
  it("finds cmake, ninja, dtc, python3 with Zephyr's modules, arm-none-eabi-gcc and QEMU for the AN521", async () => {
    const board = await loadFirmwareBoard("mps2/an521/cpu0");
    const report = await runDoctor({ board, cwd: await tempDir(), env: envWithoutZephyr() });
    for (const id of ["cmake", "ninja", "dtc", "python", "toolchain:arm", "emulator:qemu-system-arm"]) {
      expect(check(report, id).status, id).toBe("ok");
    }
    expect(check(report, "cmake").version).toMatch(/^3\.\d+/);
    expect(check(report, "toolchain:arm").path).toBe(await which("arm-none-eabi-gcc", process.env));
    expect(report.toolchain).toMatchObject({
      kind: "gnu",
      variant: "gnuarmemb",
      env: { ZEPHYR_TOOLCHAIN_VARIANT: "gnuarmemb", GNUARMEMB_TOOLCHAIN_PATH: "/usr" },
    });
    // No Zephyr tree on this machine's default environment: the build cannot run, and doctor says how to fix it.
    expect(check(report, "zephyr")).toMatchObject({ status: "missing", required: true });
    expect(check(report, "zephyr").fix).toMatch(/ZEPHYR_BASE/);
    expect(report.ok).toBe(false);
  });

  it.skipIf(missingTools("riscv64-unknown-elf-gcc"))(
    "selects the cross-compile variant for RISC-V with Debian's prefix",
    async () => {
      const board = await loadFirmwareBoard("qemu_riscv32");
      const report = await runDoctor({ board, cwd: await tempDir(), env: envWithoutZephyr(), toolchain: "gnu" });
      const gcc = await which("riscv64-unknown-elf-gcc", process.env);
      expect(report.toolchain).toMatchObject({
        kind: "gnu",
        variant: "cross-compile",
        env: { CROSS_COMPILE: gcc!.replace(/gcc$/, "") },
      });
    },
  );

  it("explains that west comes from PyPI and is optional", async () => {
    const board = await loadFirmwareBoard("mps2-an521");
    const dir = await tempDir();
    const report = await runDoctor({ board, cwd: dir, env: { PATH: dir } });
    expect(check(report, "west")).toMatchObject({ status: "missing", required: false });
    expect(check(report, "west").fix).toMatch(/PyPI.*pipx install west/);
  });

  it("asks for the Zephyr SDK when --toolchain zephyr-sdk is requested and none is installed", async () => {
    const board = await loadFirmwareBoard("mps2-an521");
    const home = await tempDir();
    const report = await runDoctor({
      board,
      cwd: home,
      env: { ...envWithoutZephyr(), HOME: home },
      toolchain: "zephyr-sdk",
    });
    expect(check(report, "toolchain:arm")).toMatchObject({ status: "missing", required: true });
    expect(check(report, "toolchain:arm").fix).toMatch(/Zephyr SDK with its arm-zephyr-eabi toolchain/);
  });

  describe("with a PATH holding only what the AN521 needs", () => {
    let bin = "";
    let env: Record<string, string> = {};
    let root = "";
    const linkAll = async (dir: string, except: string | null): Promise<void> => {
      await mkdir(dir, { recursive: true });
      const python = await probePython(process.env);
      for (const tool of ARM_TOOLS) {
        if (tool === except) continue;
        // Zephyr's python must have its modules: link the python3 doctor would pick.
        const target = tool === "python3" ? python!.path : (await which(tool, process.env))!;
        await symlink(target, path.join(dir, tool));
      }
    };

    beforeAll(async () => {
      root = await tempDir("ocre-doctor-");
      const ws = await fakeWorkspace(root);
      bin = path.join(root, "bin-all");
      await linkAll(bin, null);
      env = { PATH: bin, HOME: root, ZEPHYR_BASE: ws.zephyr, OCRE_WAMR_DIR: ws.wamr };
    });

    it("reports everything ready and exits 0", async () => {
      const run = await runOcre(["doctor", "--board", "mps2/an521/cpu0", "--json"], { env, cwd: root });
      const report = JSON.parse(run.stdout) as DoctorReport;
      expect(report.checks.filter((c) => c.required && c.status !== "ok")).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.zephyr).toMatchObject({ version: "3.7.1", source: "ZEPHYR_BASE" });
      expect(run.exitCode).toBe(0);
    });

    const fixes: Record<string, { id: string; fix: RegExp }> = {
      cmake: { id: "cmake", fix: /apt-get install cmake/ },
      ninja: { id: "ninja", fix: /apt-get install ninja-build/ },
      dtc: { id: "dtc", fix: /apt-get install device-tree-compiler/ },
      python3: { id: "python", fix: /apt-get install python3 python3-pyelftools python3-pykwalify python3-yaml/ },
      "arm-none-eabi-gcc": { id: "toolchain:arm", fix: /apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi/ },
      "qemu-system-arm": { id: "emulator:qemu-system-arm", fix: /apt-get install qemu-system-arm/ },
    };
    for (const tool of ARM_TOOLS) {
      it(`reports ${tool} missing with its fix when it is removed from PATH, and exits 1`, async () => {
        const dir = path.join(root, `bin-no-${tool}`);
        await linkAll(dir, tool);
        const run = await runOcre(["doctor", "--board", "mps2/an521/cpu0", "--json"], {
          env: { ...env, PATH: dir },
          cwd: root,
        });
        expect(run.exitCode).toBe(1);
        const report = JSON.parse(run.stdout) as DoctorReport;
        const missing = report.checks.filter((c) => c.required && c.status !== "ok");
        expect(missing.map((c) => c.id)).toEqual([fixes[tool]!.id]);
        expect(missing[0]!.status).toBe("missing");
        expect(missing[0]!.fix).toMatch(fixes[tool]!.fix);
        // The human table names it too, with the same fix.
        const human = await runOcre(["doctor", "--board", "mps2/an521/cpu0"], {
          env: { ...env, PATH: dir },
          cwd: root,
        });
        expect(human.exitCode).toBe(1);
        expect(human.stdout).toMatch(new RegExp(`missing\\s+${missing[0]!.label.replace(/[()+]/g, "\\$&")}`));
        expect(human.stdout).toContain(`fix: ${missing[0]!.fix}`);
      });
    }

    it("reports a cmake older than 3.20 as the wrong version", async () => {
      const dir = path.join(root, "bin-old-cmake");
      await linkAll(dir, "cmake");
      await writeFile(path.join(dir, "cmake"), "#!/bin/sh\necho 'cmake version 3.16.3'\n");
      await chmod(path.join(dir, "cmake"), 0o755);
      const run = await runOcre(["doctor", "--board", "mps2-an521", "--json"], {
        env: { ...env, PATH: dir },
        cwd: root,
      });
      expect(run.exitCode).toBe(1);
      const report = JSON.parse(run.stdout) as DoctorReport;
      expect(check(report, "cmake")).toMatchObject({ status: "wrong-version", version: "3.16.3", minimum: "3.20" });
    });

    it("reports a Zephyr tree older than 3.7 as the wrong version", async () => {
      const old = await fakeWorkspace(path.join(root, "old"));
      await writeFile(path.join(old.zephyr, "VERSION"), "VERSION_MAJOR = 2\nVERSION_MINOR = 7\nPATCHLEVEL = 0\n");
      const run = await runOcre(["doctor", "--board", "mps2-an521", "--json"], {
        env: { ...env, ZEPHYR_BASE: old.zephyr },
        cwd: root,
      });
      expect(run.exitCode).toBe(1);
      expect(check(JSON.parse(run.stdout) as DoctorReport, "zephyr")).toMatchObject({
        status: "wrong-version",
        version: "2.7.0",
      });
    });

    it("finds the workspace from a west topdir when ZEPHYR_BASE is unset", async () => {
      const ws = path.join(root, "westws");
      await fakeWorkspace(ws);
      await mkdir(path.join(ws, ".west"), { recursive: true });
      await writeFile(path.join(ws, ".west", "config"), "[manifest]\npath = zephyr\nfile = west.yml\n");
      const app = path.join(ws, "apps", "hello");
      await mkdir(app, { recursive: true });
      // Empty values unset them in the child (runOcre inherits this process's environment).
      const rest = { ...env, ZEPHYR_BASE: "", OCRE_WAMR_DIR: "" };
      const run = await runOcre(["doctor", "--board", "mps2-an521", "--json"], { env: rest, cwd: app });
      const report = JSON.parse(run.stdout) as DoctorReport;
      expect(report.zephyr).toMatchObject({ base: path.join(ws, "zephyr"), source: "west", westTopdir: ws });
      expect(check(report, "wamr").path).toBe(path.join(ws, "modules", "lib", "wasm-micro-runtime"));
      expect(run.exitCode).toBe(0);
    });
  });

  it("rejects an unknown board with the closest names", async () => {
    const run = await runOcre(["doctor", "--board", "mps2/an52"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/no board "mps2\/an52"; did you mean mps2-an521/);
  });
});
