import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import path from "node:path";
import { missingTools } from "./helpers/tools.js";
import { runOcre, tempDir } from "./helpers/cli.js";

/*
 * `ocre emulate` without Zephyr: tiny bare-metal Cortex-M33 images that print through the
 * AN521's CMSDK UART0 (secure alias 0x50200000, where QEMU's mps2-an521 maps it for code
 * running in the secure state, as Zephyr's mps2/an521/cpu0 does) and then behave like a
 * firmware whose containers exit, hang or fault.
 */
const SOURCE = `
#define UART0 0x50200000u
#define REG(off) (*(volatile unsigned int *)(UART0 + (off)))
extern unsigned int __stack_top;
static void put(const char *s)
{
	while (*s) {
		while (REG(0x4) & 1u) { /* TX buffer full */ }
		REG(0x0) = (unsigned char)*s++;
	}
}
void reset(void)
{
	REG(0x10) = 16; /* baud divisor */
	REG(0x8) = 1;   /* TX enable */
	put(MESSAGE);
#ifdef FAULT
	((void (*)(void))0xE0100001u)(); /* no fault handlers: the core locks up */
#endif
	for (;;) {
	}
}
__attribute__((section(".vectors"), used)) const void *vectors[2] = { &__stack_top, (void *)reset };
`;

const LINKER_SCRIPT = `
MEMORY {
  FLASH (rx) : ORIGIN = 0x10000000, LENGTH = 4M
  RAM (rwx)  : ORIGIN = 0x38000000, LENGTH = 4M
}
ENTRY(reset)
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
  .data : { *(.data*) } > RAM AT > FLASH
  .bss (NOLOAD) : { *(.bss*) } > RAM
  __stack_top = ORIGIN(RAM) + LENGTH(RAM);
}
`;

const IMAGES: Record<string, { message: string; fault?: boolean }> = {
  ok: { message: "hello from the container\\nocre: containers finished (exit 0)\\n" },
  failing: { message: "container says no\\nocre: containers finished (exit 3)\\n" },
  hanging: { message: "waiting forever\\n" },
  faulting: { message: "about to fault\\n", fault: true },
  startup: { message: "ocre: runtime init failed (-12)\\n" },
  // A firmware whose containers never exit (blinky), its last line without a newline.
  running: { message: "ocre: containers started (1)\\nled0 on> " },
  startedThenFault: { message: "ocre: containers started (1)\\n", fault: true },
};

interface EmulateJson {
  ok: boolean;
  outcome: string;
  exitCode: number;
  containerExitCode: number | null;
  reason: string;
  board: string;
  artifacts: { kind: string; path: string; sha256: string; bytes: number }[];
}

describe.skipIf(missingTools("arm-none-eabi-gcc", "qemu-system-arm"))(
  "ocre emulate on mps2-an521 (bare-metal images)",
  () => {
    const elf: Record<string, string> = {};
    let dir = "";

    beforeAll(async () => {
      dir = await tempDir("ocre-emulate-");
      await writeFile(path.join(dir, "fw.c"), SOURCE);
      await writeFile(path.join(dir, "link.ld"), LINKER_SCRIPT);
      for (const [name, image] of Object.entries(IMAGES)) {
        elf[name] = path.join(dir, `${name}.elf`);
        const defines = [`-DMESSAGE="${image.message}"`, ...(image.fault ? ["-DFAULT"] : [])];
        await execa(
          "arm-none-eabi-gcc",
          ["-mcpu=cortex-m33", "-mthumb", "-nostdlib", "-O1", ...defines, "-T", "link.ld", "fw.c", "-o", elf[name]!],
          { cwd: dir },
        );
      }
    });

    it("streams the console and exits 0 when the containers exit 0", async () => {
      const run = await runOcre(["emulate", "--board", "mps2/an521/cpu0", "--kernel", elf.ok!, "--timeout", "20s"]);
      expect(run.stdout).toContain("hello from the container\n");
      expect(run.stderr).toMatch(/exited: ocre: containers finished \(exit 0\)/);
      expect(run.exitCode).toBe(0);
    });

    it("boots build/<board>/firmware/zephyr.elf of the app by default and lists it as an artifact", async () => {
      const app = path.join(dir, "app");
      const fwDir = path.join(app, "build", "mps2-an521", "firmware");
      await mkdir(fwDir, { recursive: true });
      await copyFile(elf.ok!, path.join(fwDir, "zephyr.elf"));
      const run = await runOcre(["emulate", "--board", "mps2-an521", "--json"], { cwd: app });
      expect(run.exitCode).toBe(0);
      const result = JSON.parse(run.stdout) as EmulateJson;
      expect(result).toMatchObject({ ok: true, outcome: "exited", containerExitCode: 0, board: "mps2-an521" });
      const bytes = await readFile(path.join(fwDir, "zephyr.elf"));
      expect(result.artifacts).toEqual([
        {
          kind: "elf",
          path: path.join(fwDir, "zephyr.elf"),
          sha256: createHash("sha256").update(bytes).digest("hex"),
          bytes: bytes.length,
        },
      ]);
      // With --json the console goes to stderr, so stdout stays one JSON document.
      expect(run.stderr).toContain("hello from the container");
    });

    it("picks the only built board when --board is omitted, and asks when there are several", async () => {
      const app = path.join(dir, "one-board");
      await mkdir(path.join(app, "build", "qemu_riscv32", "firmware"), { recursive: true });
      await mkdir(path.join(app, "build", "mps2-an521", "firmware"), { recursive: true });
      await copyFile(elf.ok!, path.join(app, "build", "mps2-an521", "firmware", "zephyr.elf"));
      const run = await runOcre(["emulate", "--timeout", "20s", "--json"], { cwd: app });
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ board: "mps2-an521", outcome: "exited" });
      await copyFile(elf.ok!, path.join(app, "build", "qemu_riscv32", "firmware", "zephyr.elf"));
      const two = await runOcre(["emulate"], { cwd: app });
      expect(two.exitCode).toBe(1);
      expect(two.stderr).toMatch(/several boards are built: mps2-an521, qemu_riscv32/);
      expect(two.stderr).toMatch(/hint: name one: ocre emulate --board mps2-an521/);
    });

    it("--for passes an app that never exits once it has run that long; the verdict gets its own line", async () => {
      const args = ["emulate", "--board", "mps2-an521", "--kernel", elf.running!, "--for", "2s", "--timeout", "30s"];
      const run = await runOcre(args);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toBe("ocre: containers started (1)\nled0 on> ");
      expect(run.stderr).toMatch(/^ran: ocre: containers started \(1\), then ran 2 s without a fault/m);
      // With --json, console and verdict share stderr: the console's last line had no newline,
      // and ocre ends it before the verdict.
      const withJson = await runOcre([...args, "--json"]);
      expect(withJson.stderr).toMatch(/led0 on> \nran: ocre: containers started/);
      expect(JSON.parse(withJson.stdout) as EmulateJson).toMatchObject({ ok: true, outcome: "ran", exitCode: 0 });
      // Without --for the same image times out, and the message points at --for.
      const plain = await runOcre(["emulate", "--board", "mps2-an521", "--kernel", elf.running!, "--timeout", "3s"]);
      expect(plain.exitCode).toBe(1);
      expect(plain.stderr).toMatch(/timeout: .* use --for <duration>/);
    });

    it("--for still fails on a fault after the containers started", async () => {
      const run = await runOcre([
        "emulate",
        "--board",
        "mps2-an521",
        "--kernel",
        elf.startedThenFault!,
        "--for",
        "10s",
        "--timeout",
        "30s",
        "--json",
      ]);
      expect(run.exitCode).toBe(1);
      expect((JSON.parse(run.stdout) as EmulateJson).outcome).not.toBe("ran");
    });

    it("durations need a unit: a bare number is refused with the two readings", async () => {
      const run = await runOcre(["emulate", "--board", "mps2-an521", "--kernel", elf.ok!, "--timeout", "20"]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/--timeout 20 has no unit/);
      expect(run.stderr).toMatch(/--timeout 20s for seconds or --timeout 20ms for milliseconds/);
    });

    it("exits 1 with the containers' exit code when they fail", async () => {
      const run = await runOcre([
        "emulate",
        "--board",
        "mps2-an521",
        "--kernel",
        elf.failing!,
        "--timeout",
        "20s",
        "--json",
      ]);
      expect(run.exitCode).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, outcome: "exited", containerExitCode: 3 });
    });

    it("exits 1 on timeout when the exit line never comes", async () => {
      const started = Date.now();
      const run = await runOcre([
        "emulate",
        "--board",
        "mps2-an521",
        "--kernel",
        elf.hanging!,
        "--timeout",
        "2s",
        "--json",
      ]);
      expect(run.exitCode).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({
        ok: false,
        outcome: "timeout",
        reason:
          'no exit line ("ocre: containers finished (exit N)") within 2 s; for an app that never exits use --for <duration>',
      });
      expect(run.stderr).toContain("waiting forever");
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it("names the --expect text and how long it waited when the text never appears", async () => {
      const run = await runOcre([
        "emulate",
        "--board",
        "mps2-an521",
        "--kernel",
        elf.hanging!,
        "--timeout",
        "1.5s",
        "--expect",
        "demo/counter = 3",
      ]);
      expect(run.exitCode).toBe(1);
      // The firmware printed something else; the verdict names what was awaited.
      expect(run.stdout).toContain("waiting forever");
      expect(run.stderr).toMatch(/timeout: "demo\/counter = 3" did not appear within 1\.5 s \(\d+\.\d s\)/);
    });

    it("succeeds as soon as --expect text appears, even if the firmware keeps running", async () => {
      const run = await runOcre([
        "emulate",
        "--board",
        "mps2-an521",
        "--kernel",
        elf.hanging!,
        "--timeout",
        "20s",
        "--expect",
        "waiting forever",
      ]);
      expect(run.exitCode).toBe(0);
      expect(run.stderr).toMatch(/expected: saw "waiting forever"/);
    });

    it("exits 1 on a CPU fault and names it", async () => {
      const run = await runOcre([
        "emulate",
        "--board",
        "mps2-an521",
        "--kernel",
        elf.faulting!,
        "--timeout",
        "20s",
        "--json",
      ]);
      expect(run.exitCode).toBe(1);
      const result = JSON.parse(run.stdout) as EmulateJson;
      expect(result.outcome).toBe("fault");
      expect(result.reason).toMatch(/Lockup/);
    });

    it("exits 1 when the runtime cannot start the containers", async () => {
      const run = await runOcre([
        "emulate",
        "--board",
        "mps2-an521",
        "--kernel",
        elf.startup!,
        "--timeout",
        "20s",
        "--json",
      ]);
      expect(run.exitCode).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({
        outcome: "startup-failed",
        reason: "ocre: runtime init failed (-12)",
      });
    });

    it("explains what to do when there is no firmware yet", async () => {
      const run = await runOcre(["emulate", "--board", "mps2-an521"], { cwd: dir });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/no firmware image at .*build\/mps2-an521\/firmware\/zephyr\.elf/);
      expect(run.stderr).toMatch(/hint: build it first: ocre build --firmware --board mps2\/an521\/cpu0/);
    });

    it("refuses a board that has no emulator", async () => {
      const run = await runOcre(["emulate", "--board", "nrf52840dk", "--kernel", elf.ok!]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/board nrf52840dk has no emulator/);
    });
  },
);
