import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadFirmwareBoard } from "../cli/firmware/board.js";
import type { FirmwareReport } from "../cli/firmware/build.js";
import { runDoctor } from "../cli/firmware/doctor/doctor.js";
import { toolchainEnvironment } from "../cli/firmware/toolchain.js";
import { emulate } from "../cli/firmware/emulate.js";
import type { ResolvedConfig } from "../cli/config/types.js";
import type { ContainerSpec } from "../cli/spec.js";
import { firmwareFor, generateFor, makeSpec } from "./generate-fixtures.js";
import { cp } from "node:fs/promises";
import { missingTools } from "./helpers/tools.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { caught } from "./helpers/errors.js";

// (module (memory (export "memory") 1 1) (func (export "_start"))): a container that exits 0.
function spec(): ContainerSpec {
  return makeSpec({ name: "fw-test", memory: { heapBytes: 0 } });
}

function config(appDir: string): ResolvedConfig {
  return {
    appDir,
    manifestPath: path.join(appDir, "ocre.yaml"),
    buildDir: path.join(appDir, "build"),
    name: "fw-test",
    version: "0.1.0",
    entry: path.join(appDir, "assembly", "index.ts"),
    capabilities: [],
    memory: spec().memory,
    runtime: "stub",
    optimize: "size",
    debug: false,
    boards: [],
    image: { repository: "fw-test", tag: "0.1.0" },
    args: [],
    env: {},
  };
}

function envWithoutZephyr(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(ZEPHYR_|OCRE_WAMR_DIR$)/.test(k)) env[k] = v;
  // runOcre\'s child inherits this process\'s environment: empty values unset them there too.
  return { ...env, ZEPHYR_BASE: "", OCRE_WAMR_DIR: "" };
}

describe("ocre build --firmware without a Zephyr workspace", () => {
  it("fails before building, with doctor's message and fix", async () => {
    const app = await tempDir("ocre-fw-");
    const cfg = config(app);
    const boards = await generateFor([spec()], cfg, { boards: ["mps2-an521"] });
    const env = envWithoutZephyr();
    const error = await caught(firmwareFor(boards, cfg, { env }));
    expect(error.code).toBe("OCRE_FIRMWARE_PREREQ");
    expect(error.message).toMatch(/cannot build firmware for mps2-an521: .*Zephyr workspace missing/);
    const doctor = await runDoctor({
      board: await loadFirmwareBoard("mps2-an521"),
      cwd: boards["mps2-an521"]!.dir,
      env,
    });
    const zephyr = doctor.checks.find((c) => c.id === "zephyr")!;
    expect(error.details).toContain(`  Zephyr workspace: ${zephyr.detail}`);
    expect(error.details).toContain(`    fix: ${zephyr.fix}`);
    expect(error.hint).toBe("`ocre doctor --board mps2-an521` checks everything a firmware build needs");
  });
});

describe("ocre build --firmware (CLI) without a Zephyr workspace", () => {
  it("generates the project, then exits 1 with doctor's message", async () => {
    const app = await tempDir("ocre-fw-cli-");
    await cp(path.join(repoRoot, "test", "fixtures", "pipeline", "hello"), app, { recursive: true });
    const run = await runOcre(["build", "--firmware", "--board", "mps2/an521/cpu0", "--toolchain", "gnu"], {
      cwd: app,
      env: envWithoutZephyr(),
    });
    expect(run.stderr).toMatch(
      /error OCRE_FIRMWARE_PREREQ: cannot build firmware for mps2-an521: .*Zephyr workspace missing/,
    );
    expect(run.stderr).toMatch(/fix: export ZEPHYR_BASE=/);
    expect(run.stderr).toMatch(/hint: `ocre doctor --board mps2-an521` checks everything a firmware build needs/);
    expect(run.exitCode).toBe(1);
  });
});

describe.skipIf(missingTools("riscv64-unknown-elf-gcc"))("RISC-V toolchain quirk", () => {
  it("makes Debian's GCC pick the rv32imac/ilp32 multilib for Zephyr's -march", async () => {
    const board = await loadFirmwareBoard("qemu_riscv32");
    const doctor = await runDoctor({ board, cwd: await tempDir(), env: envWithoutZephyr(), toolchain: "gnu" });
    const env = await toolchainEnvironment(board, doctor.toolchain!, await tempDir("ocre-tc-"));
    const args = ["-march=rv32imac_zicsr_zifencei", "-mabi=ilp32", "-print-multi-directory"];
    // Unwrapped, GCC 12 falls back to the default (rv64) multilib: the quirk is real.
    expect((await execa(`${doctor.toolchain!.env.CROSS_COMPILE}gcc`, args)).stdout.trim()).not.toBe("rv32imac/ilp32");
    expect((await execa(`${env.CROSS_COMPILE}gcc`, args)).stdout.trim()).toBe("rv32imac/ilp32");
    // The other tools of the prefix are still there.
    expect((await execa(`${env.CROSS_COMPILE}objcopy`, ["--version"])).stdout).toMatch(/GNU objcopy/);
  });
});

// The real thing: needs a Zephyr tree (ZEPHYR_BASE) with WAMR next to it; skipped on CI.
describe.skipIf(!process.env.ZEPHYR_BASE)("firmware build and emulation with a real Zephyr (ZEPHYR_BASE)", () => {
  let app = "";
  let cfg: ResolvedConfig;
  let report: FirmwareReport;

  beforeAll(async () => {
    app = await tempDir("ocre-fw-real-");
    cfg = config(app);
    const boards = await generateFor([spec()], cfg, { boards: ["mps2-an521"] });
    report = await firmwareFor(boards, cfg);
  }, 900_000);

  it("copies zephyr.elf/.bin/.hex into build/<board>/firmware with digests, and keeps the log", async () => {
    const fw = report["mps2-an521"]!;
    // Paths relative to the output folder: the CMake tree is a cache beside the outputs.
    expect(fw.buildDir).toBe(path.join(".ocre-cmake", "mps2-an521"));
    for (const kind of ["elf", "bin", "hex"]) {
      const artifact = fw.artifacts.find((a) => a.kind === kind)!;
      expect(artifact.path).toBe(path.join("mps2-an521", "firmware", `zephyr.${kind}`));
      const bytes = await readFile(path.join(app, "build", artifact.path));
      expect(artifact.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(artifact.bytes).toBe(bytes.length);
    }
    expect(await readFile(path.join(app, "build", fw.log), "utf8")).toMatch(/Memory region\s+Used Size/);
  });

  it("measures flash and RAM exactly as the linker's memory-region summary", async () => {
    const fw = report["mps2-an521"]!;
    const log = await readFile(path.join(app, "build", fw.log), "utf8");
    const used = (region: string): number => {
      const m = new RegExp(`^\\s*${region}:\\s+(\\d+) B`, "m").exec(log);
      if (!m) throw new Error(`no ${region} line`);
      return Number(m[1]);
    };
    expect(fw.size.flash.used).toBe(used("FLASH"));
    expect(fw.size.ram.used).toBe(used("RAM"));
  });

  it("the budget estimate does not undercount what the linker placed in RAM and flash", async () => {
    const estimate = (await generateFor(
      [spec()],
      { ...cfg, buildDir: path.join(app, "estimate") },
      {
        boards: ["mps2-an521"],
      },
    ))!["mps2-an521"]!.budget;
    const fw = report["mps2-an521"]!;
    expect(estimate.ram.totalBytes).toBeGreaterThanOrEqual(fw.size.ram.used);
    expect(estimate.flash.totalBytes).toBeGreaterThanOrEqual(fw.size.flash.used);
  });

  it("boots in QEMU and exits 0 when the container exits 0", async () => {
    const result = await emulate({
      board: await loadFirmwareBoard("mps2-an521"),
      kernel: path.join(app, "build", "mps2-an521", "firmware", "zephyr.elf"),
      timeoutMs: 60_000,
    });
    expect(result).toMatchObject({ ok: true, outcome: "exited", containerExitCode: 0 });
  });

  it("reports the first compiler error and the log path when the build fails", async () => {
    const main = path.join(app, "build", "mps2-an521", "src", "main.c");
    const original = await readFile(main, "utf8");
    await writeFile(main, `${original}\nint broken(void) { return undeclared_thing; }\n`);
    try {
      const error = await caught(
        firmwareFor(
          { "mps2-an521": { ...(await generatedReport()), dir: path.join(app, "build", "mps2-an521") } },
          cfg,
        ),
      );
      expect(error.code).toBe("OCRE_FIRMWARE_BUILD");
      expect(error.details.join("\n")).toMatch(/main\.c:\d+:\d+: error: 'undeclared_thing' undeclared/);
      // The log of a failed build stays in the CMake tree (the outputs are not committed).
      expect(error.hint).toBe(`full log: ${path.join(app, "build", ".ocre-cmake", "mps2-an521", "build.log")}`);
    } finally {
      await writeFile(main, original);
    }
  }, 600_000);

  async function generatedReport() {
    const boards = await generateFor(
      [spec()],
      { ...cfg, buildDir: path.join(app, "scratch") },
      { boards: ["mps2-an521"] },
    );
    return boards["mps2-an521"]!;
  }
});
