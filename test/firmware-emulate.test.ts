import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import path from "node:path";
import { missingTools } from "./helpers/tools.js";
import { cliPath, runOcre, tempDir } from "./helpers/cli.js";

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
#ifdef ECHO
	REG(0x8) = 3; /* TX and RX enable: QEMU holds input that comes before RX is enabled */
#else
	REG(0x8) = 1; /* TX enable */
#endif
	put(MESSAGE);
#ifdef FAULT
	((void (*)(void))0xE0100001u)(); /* no fault handlers: the core locks up */
#endif
#ifdef ECHO
	for (;;) { /* echo what the console receives */
		if (REG(0x4) & 2u) { /* RX buffer full */
			unsigned char c = (unsigned char)REG(0x0);
			while (REG(0x4) & 1u) { }
			REG(0x0) = c;
		}
	}
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

const IMAGES: Record<string, { message: string; fault?: boolean; echo?: boolean }> = {
  ok: { message: "hello from the container\\nocre: containers finished (exit 0)\\n" },
  failing: { message: "container says no\\nocre: containers finished (exit 3)\\n" },
  hanging: { message: "waiting forever\\n" },
  faulting: { message: "about to fault\\n", fault: true },
  startup: { message: "ocre: runtime init failed (-12)\\n" },
  // A firmware whose containers never exit (blinky), its last line without a newline.
  running: { message: "ocre: containers started (1)\\nled0 on> " },
  startedThenFault: { message: "ocre: containers started (1)\\n", fault: true },
  // Echoes its console input: stands for a device agent on the serial console.
  echo: { message: "ocre: containers started (1)\\n", echo: true },
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
        const defines = [
          `-DMESSAGE="${image.message}"`,
          ...(image.fault ? ["-DFAULT"] : []),
          ...(image.echo ? ["-DECHO"] : []),
        ];
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

    it("exposes the console on a socket for --device qemu, hiding SMP frame lines from the console shown", async () => {
      const app = path.join(dir, "qemu-app");
      const fwDir = path.join(app, "build", "mps2-an521", "firmware");
      await mkdir(fwDir, { recursive: true });
      await copyFile(elf.echo!, path.join(fwDir, "zephyr.elf"));
      const before = await runOcre(["device", "ls", "--device", "qemu"], { cwd: app });
      expect(before.exitCode).toBe(1);
      expect(before.stderr).toContain("OCRE_DEVICE_UNAVAILABLE");
      expect(before.stderr).toContain(`no emulator runs for ${app}: build/emulator.json does not exist`);

      const emu = execa(process.execPath, [cliPath, "emulate", "--for", "15s", "--timeout", "60s"], {
        cwd: app,
        env: { NO_COLOR: "1" },
        reject: false,
      });
      const recordPath = path.join(app, "build", "emulator.json");
      let record: { pid: number; socket: string; board: string } | undefined;
      for (let i = 0; i < 400 && record === undefined; i++) {
        record = await readFile(recordPath, "utf8").then(
          (t) => JSON.parse(t),
          () => undefined,
        );
        if (record === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(record).toMatchObject({ pid: emu.pid, board: "mps2-an521" });

      // What a client writes reaches the guest's UART; what the guest writes comes back.
      const net = await import("node:net");
      const client = net.connect({ path: record!.socket });
      let echoed = "";
      client.on("data", (d: Buffer) => (echoed += d.toString("latin1")));
      await new Promise((r) => client.once("connect", r));
      // Once the guest runs (and listens): its console output reaches the client too.
      for (let i = 0; i < 400 && !echoed.includes("started (1)\n"); i++) await new Promise((r) => setTimeout(r, 25));
      echoed = "";
      client.write("hello console\n\u0006\u0009QUJD\n");
      for (let i = 0; i < 200 && !echoed.includes("QUJD\n"); i++) await new Promise((r) => setTimeout(r, 25));
      expect(echoed).toBe("hello console\n\u0006\u0009QUJD\n");
      // One client at a time.
      const second = net.connect({ path: record!.socket });
      let told = "";
      second.on("data", (d: Buffer) => (told += d.toString()));
      await new Promise((r) => second.once("close", r));
      expect(told).toBe("ocre-emulate: busy\n");
      client.destroy();

      // `--device qemu` finds it: this "device" echoes the request, which is not an answer.
      const ls = await runOcre(["device", "ls", "--device", "qemu"], { cwd: app });
      expect(ls.exitCode).toBe(1);
      expect(ls.stderr).toContain("OCRE_DEVICE_PROTOCOL");
      expect(ls.stderr).toContain("an answer that does not match the request");

      const done = await emu;
      expect(done.exitCode, String(done.stderr)).toBe(0);
      // The user saw the console text but not the frame lines (requests or answers).
      expect(String(done.stdout)).toMatch(/^hello console$/m);
      expect(String(done.stdout)).not.toContain("QUJD");
      expect(String(done.stdout)).not.toMatch(/[\u0004\u0006]/);
      // The record is gone with the emulator.
      const after = await runOcre(["device", "ls", "--device", "qemu"], { cwd: app });
      expect(after.stderr).toContain("no emulator runs for");
    });

    it("removes the console socket's folder when the emulator is stopped with Ctrl-C", async () => {
      const app = path.join(dir, "qemu-int");
      const fwDir = path.join(app, "build", "mps2-an521", "firmware");
      await mkdir(fwDir, { recursive: true });
      await copyFile(elf.echo!, path.join(fwDir, "zephyr.elf"));
      const emu = execa(process.execPath, [cliPath, "emulate", "--for", "60s", "--timeout", "90s"], {
        cwd: app,
        env: { NO_COLOR: "1" },
        reject: false,
      });
      const recordPath = path.join(app, "build", "emulator.json");
      let record: { socket: string } | undefined;
      for (let i = 0; i < 400 && record === undefined; i++) {
        record = await readFile(recordPath, "utf8").then(
          (t) => JSON.parse(t),
          () => undefined,
        );
        if (record === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      const folder = path.dirname(record!.socket);
      expect(existsSync(folder)).toBe(true);
      emu.kill("SIGINT");
      const done = await emu;
      expect(done.signal).toBe("SIGINT");
      expect(existsSync(folder)).toBe(false);
      // QEMU went with it (execa's clean-up still runs after the folder's).
      const kernel = path.join(fwDir, "zephyr.elf");
      const running = async (): Promise<boolean> => {
        for (const pid of (await readdir("/proc")).filter((n) => /^\d+$/.test(n))) {
          const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
          if (cmd.includes(kernel)) return true;
        }
        return false;
      };
      for (let i = 0; i < 40 && (await running()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await running()).toBe(false);
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
