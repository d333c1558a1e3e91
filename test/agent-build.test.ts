/**
 * `ocre build --agent` / ocre.yaml `device.agent` (issue 17, docs/deploy.md): the generated
 * project carries the device agent (Kconfig, the store's partition, main.c starting it), only
 * when asked, and refuses what a board cannot do before writing anything. Runs the CLI the way a
 * user does, on a scaffolded blinky signed with a fresh key.
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFirmwareBoard } from "../cli/firmware/board.js";
import { emulatorCommand } from "../cli/firmware/emulate.js";
import { runOcre, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";

let root = "";
let app = "";

/** Lines of a generated file, without comments and blank lines. */
async function lines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8")).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

async function build(args: string[], dir = app) {
  return runOcre(["build", ...args], { cwd: dir });
}

describe.skipIf(missingTools("openssl"))("ocre build with the device agent", () => {
  beforeAll(async () => {
    root = await tempDir("ocre-agent-build-");
    expect((await runOcre(["keys", "generate", "-o", "k"], { cwd: root })).exitCode).toBe(0);
    expect((await runOcre(["new", "blinky", "--template", "blinky"], { cwd: root })).exitCode).toBe(0);
    app = path.join(root, "blinky");
  }, 60_000);

  it("--agent tcp on mps2-an521: the agent's Kconfig, LAN9220 networking, a flash-simulator store and main.c starting it", async () => {
    const r = await build(["--board", "mps2-an521", "--agent", "tcp", "--trust", "../k.pub", "--sign", "../k.key"]);
    expect(r.stderr).not.toContain("no signature found"); // --sign signed what the firmware embeds
    expect(r.exitCode).toBe(0);
    const dir = path.join(app, "build/mps2-an521");
    const prj = await lines(path.join(dir, "prj.conf"));
    // Written out here, not derived: what the firmware needs (s2-zcheck's compile, the QEMU run).
    for (const line of [
      "CONFIG_OCRE_VERIFY=y",
      "CONFIG_FLASH=y",
      "CONFIG_FLASH_MAP=y",
      "CONFIG_FLASH_SIMULATOR=y",
      "CONFIG_OCRE_AGENT=y",
      "CONFIG_OCRE_AGENT_SLOTS=4",
      "CONFIG_OCRE_AGENT_MAX_RUNNING=1",
      "CONFIG_OCRE_AGENT_MAX_WASM=32768",
      "CONFIG_NETWORKING=y",
      "CONFIG_NET_TCP=y",
      "CONFIG_NET_SOCKETS=y",
      "CONFIG_NET_QEMU_ETHERNET=y",
      "CONFIG_NET_L2_ETHERNET=y",
      "CONFIG_TEST_RANDOM_GENERATOR=y",
      "CONFIG_NET_TCP_ISN_RFC6528=n",
      'CONFIG_NET_CONFIG_MY_IPV4_ADDR="10.0.2.15"',
      "CONFIG_OCRE_AGENT_TCP=y",
      "CONFIG_OCRE_AGENT_TCP_PORT=1337",
      "CONFIG_OCRE_AGENT_PULL=y",
    ])
      expect(prj).toContain(line);
    expect(prj.some((l) => l.startsWith("CONFIG_OCRE_AGENT_SERIAL"))).toBe(false);
    // It pulls by digest only unless the manifest allows tags.
    expect(prj).toContain("CONFIG_OCRE_AGENT_PULL=y");
    expect(prj.some((l) => l.startsWith("CONFIG_OCRE_AGENT_PULL_TAGS"))).toBe(false);
    // Blinky imports timers and GPIO output only; a container installed later may need what the
    // board has: messaging and GPIO edge events are in, sensors stay out (mps2 has none).
    for (const line of [
      "CONFIG_OCRE_TIMERS=y",
      "CONFIG_OCRE_GPIO=y",
      "CONFIG_OCRE_GPIO_EVENTS=y",
      "CONFIG_OCRE_MESSAGING=y",
      "CONFIG_OCRE_SENSORS=n",
    ])
      expect(prj).toContain(line);
    // One embedded container plus one installed that may run: two runtime slots.
    expect(prj).toContain("CONFIG_OCRE_MAX_CONTAINERS=2");
    const overlay = await readFile(path.join(dir, "boards/mps2_an521_cpu0.overlay"), "utf8");
    expect(overlay).toContain('compatible = "zephyr,sim-flash";');
    expect(overlay).toContain("erase-value = <0xff>;");
    expect(overlay).toMatch(/label = "ocre_store";\s*reg = <0x00000000 0x20000>;/);
    const main = await readFile(path.join(dir, "src/main.c"), "utf8");
    expect(main).toContain('#include "ocre_agent_zephyr.h"');
    expect(main).toContain("rc = ocre_agent_zephyr_init();");
    expect(main).toContain('printf("ocre: device agent ready (SMP over TCP port 1337)\\n");');
    // The agent starts after the embedded containers, and main does not wait for them.
    expect(main.indexOf("ocre_start_all()")).toBeLessThan(main.indexOf("ocre_agent_zephyr_init()"));
    expect(main).not.toContain("ocre_wait_all");
    const project = JSON.parse(await readFile(path.join(dir, "ocre-project.json"), "utf8"));
    expect(project.agent).toEqual({ transports: ["tcp"], tcpPort: 1337 });
  }, 60_000);

  it("ocre.yaml device.agent: serial on qemu_riscv32, its settings in the Kconfig; --agent none leaves it out", async () => {
    const manifest = path.join(app, "ocre.yaml");
    const original = await readFile(manifest, "utf8");
    await writeFile(
      manifest,
      `${original}trust: [../k.pub]\ndevice:\n  agent:\n    transports: [serial]\n    slots: 6\n    maxWasm: 16384\n`,
    );
    try {
      const r = await build(["--board", "qemu_riscv32", "--sign", "../k.key"]);
      expect(r.exitCode).toBe(0);
      const dir = path.join(app, "build/qemu_riscv32");
      const prj = await lines(path.join(dir, "prj.conf"));
      for (const line of [
        "CONFIG_OCRE_AGENT=y",
        "CONFIG_OCRE_AGENT_SERIAL=y",
        "CONFIG_OCRE_AGENT_SLOTS=6",
        "CONFIG_OCRE_AGENT_MAX_WASM=16384",
        "CONFIG_FLASH_SIMULATOR=y",
      ])
        expect(prj).toContain(line);
      expect(prj.filter((l) => /^CONFIG_NET|^CONFIG_OCRE_AGENT_TCP|^CONFIG_OCRE_AGENT_PULL/.test(l))).toEqual([]);
      expect(await readFile(path.join(dir, "src/main.c"), "utf8")).toContain("device agent ready (SMP on the console)");

      // --agent none: the manifest's agent is left out; nothing of it is generated.
      const none = await build(["--board", "qemu_riscv32", "--sign", "../k.key", "--agent", "none"]);
      expect(none.exitCode).toBe(0);
      const prj2 = await readFile(path.join(dir, "prj.conf"), "utf8");
      expect(prj2).not.toMatch(/OCRE_AGENT|FLASH_SIMULATOR|CONFIG_FLASH/);
      // Without the agent, only what blinky imports is compiled in.
      expect(prj2).toMatch(/^CONFIG_OCRE_MESSAGING=n$/m);
      expect(prj2).toMatch(/^CONFIG_OCRE_GPIO_EVENTS=n$/m);
      const main2 = await readFile(path.join(dir, "src/main.c"), "utf8");
      expect(main2).not.toContain("agent");
      expect(main2).toContain("rc = ocre_wait_all();");
      expect(await readFile(path.join(dir, "boards/qemu_riscv32.overlay"), "utf8")).not.toContain("ocre_store");
      expect(JSON.parse(await readFile(path.join(dir, "ocre-project.json"), "utf8")).agent).toBeUndefined();
    } finally {
      await writeFile(manifest, original);
    }
  }, 60_000);

  it("device.agent.pullTags lets the device resolve tags (tcp with pull only)", async () => {
    const manifest = path.join(app, "ocre.yaml");
    const original = await readFile(manifest, "utf8");
    try {
      await writeFile(
        manifest,
        `${original}trust: [../k.pub]\ndevice:\n  agent:\n    transports: [tcp]\n    pullTags: true\n`,
      );
      const r = await build(["--board", "mps2-an521", "--sign", "../k.key"]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await lines(path.join(app, "build/mps2-an521/prj.conf"))).toContain("CONFIG_OCRE_AGENT_PULL_TAGS=y");

      await writeFile(
        manifest,
        `${original}trust: [../k.pub]\ndevice:\n  agent:\n    transports: [serial]\n    pullTags: true\n`,
      );
      const serial = await build(["--board", "mps2-an521", "--sign", "../k.key"]);
      expect(serial.exitCode).toBe(1);
      expect(serial.stderr).toContain("device.agent.pullTags needs a device that pulls from registries");
    } finally {
      await writeFile(manifest, original);
    }
  }, 60_000);

  it("a board with flash gives the agent its storage partition; its RAM budget counts the agent", async () => {
    const manifest = path.join(app, "ocre.yaml");
    const original = await readFile(manifest, "utf8");
    // nrf52840dk has 256 KB of RAM: the default pool for installed containers (192 KiB) does not fit.
    const over = await build(["--board", "nrf52840dk", "--agent", "serial", "--trust", "../k.pub"]);
    expect(over.exitCode).toBe(1);
    expect(over.stderr).toContain("OCRE_BUDGET");
    expect(over.stderr).toMatch(/\+ device agent \d+ KB/);
    expect(over.stderr).toContain("or device.agent.pool (the installed containers' share of the pool)");
    await writeFile(manifest, `${original}device:\n  agent:\n    transports: [serial]\n    pool: 32768\n`);
    try {
      const r = await build(["--board", "nrf52840dk", "--trust", "../k.pub", "--sign", "../k.key"]);
      expect(r.exitCode, r.stderr).toBe(0);
      const dir = path.join(app, "build/nrf52840dk");
      expect(await readFile(path.join(dir, "boards/nrf52840dk_nrf52840.overlay"), "utf8")).toMatch(
        /&storage_partition \{\n\tlabel = "ocre_store";\n\};/,
      );
      const prj = await lines(path.join(dir, "prj.conf"));
      expect(prj).not.toContain("CONFIG_FLASH_SIMULATOR=y");
      // The pool: the embedded container's share plus the 32 KiB asked for the installed ones.
      const report = JSON.parse(await readFile(path.join(dir, "ocre-project.json"), "utf8"));
      const pool = Number(prj.find((l) => l.startsWith("CONFIG_OCRE_WAMR_HEAP_POOL_SIZE="))!.split("=")[1]);
      expect(pool).toBe(report.budget.ram.heapPoolBytes);
      expect(pool).toBeGreaterThan(32768);
      expect(report.budget.ram.agentBytes).toBeGreaterThan(0);
    } finally {
      await writeFile(manifest, original);
    }
  }, 60_000);

  it("refuses what a board cannot do, and an agent without a key to trust, writing nothing", async () => {
    // A fresh app, so that no earlier test's project is there.
    expect((await runOcre(["new", "fresh", "--template", "blinky"], { cwd: root })).exitCode).toBe(0);
    const fresh = path.join(root, "fresh");
    const cases: [string[], string, RegExp][] = [
      [
        ["--board", "qemu_riscv32", "--agent", "tcp", "--trust", "../k.pub"],
        "OCRE_AGENT_TRANSPORT",
        /board qemu_riscv32 has no network the device agent's tcp transport can use/,
      ],
      [
        ["--board", "esp32c3_devkitm", "--agent", "serial", "--trust", "../k.pub"],
        "OCRE_AGENT_BOARD",
        /board esp32c3_devkitm has no place for the device agent's store/,
      ],
      [["--board", "mps2-an521", "--agent", "serial"], "OCRE_AGENT_TRUST", /trusts no key/],
      [["--board", "mps2-an521", "--agent", "usb"], "OCRE_FLAG_INVALID", /--agent takes transports \(tcp, serial/],
    ];
    for (const [args, code, message] of cases) {
      const r = await build(args, fresh);
      expect(r.exitCode, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(code);
      expect(r.stderr).toMatch(message);
      const board = args[1]!;
      await expect(stat(path.join(fresh, "build", board)), board).rejects.toThrow();
    }
  }, 120_000);
});

describe("ocre emulate --device-port", () => {
  it("puts the board's NIC on QEMU's user network with the agent's port forwarded from 127.0.0.1", async () => {
    const board = await loadFirmwareBoard("mps2-an521");
    expect(emulatorCommand(board, "/k.elf", { host: 24001, guest: 1337 })).toEqual([
      "qemu-system-arm",
      "-machine",
      "mps2-an521",
      "-cpu",
      "cortex-m33",
      "-m",
      "16",
      "-nographic",
      "-vga",
      "none",
      "-nic",
      "user,model=lan9118,hostfwd=tcp:127.0.0.1:24001-:1337",
      "-kernel",
      "/k.elf",
    ]);
    const riscv = await loadFirmwareBoard("qemu_riscv32");
    expect(() => emulatorCommand(riscv, "/k.elf", { host: 24001, guest: 1337 })).toThrow(
      /board qemu_riscv32 has no emulated network interface/,
    );
  });

  it("refuses a firmware built without the agent's tcp transport", async () => {
    const dir = await tempDir("ocre-agent-emu-");
    const r = await runOcre(["emulate", "--board", "mps2-an521", "--device-port", "24001"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("OCRE_AGENT_NONE");
    expect(r.stderr).toContain("--agent tcp");
  });
});
