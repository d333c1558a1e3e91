import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runOcre, tempDir } from "./helpers/cli.js";
import { BUTTON, compileAs, compileWat } from "./sim-fixtures.js";

let dir = "";

const WASI = `
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "ocre_sleep" (func $sleep (param i32) (result i32)))`;

/** Prints `text` (one line) to stdout, sleeps `ms`, then exits with `code`. */
function printer(text: string, ms: number, code: number): string {
  return `(module ${WASI}
    (memory (export "memory") 1)
    (data (i32.const 64) "${text}\\n")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const ${text.length + 1}))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (drop (call $sleep (i32.const ${ms})))
      (call $exit (i32.const ${code}))))`;
}

beforeAll(async () => {
  dir = await tempDir("ocre-run-cli-");
  const files: Record<string, Uint8Array> = {
    "hello.wasm": await compileWat(printer("hello", 0, 0)),
    "three.wasm": await compileWat(printer("exiting with 3", 5, 3)),
    "late.wasm": await compileWat(printer("failing later", 50, 7)),
    "minus.wasm": await compileWat(printer("exit(-1)", 0, -1)),
    "trap.wasm": await compileWat(
      `(module (memory (export "memory") 1) (func $bad_pointer (drop (i32.load (i32.const -1)))) (func (export "_start") (call $bad_pointer)))`,
    ),
    "spin.wasm": await compileWat(`(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))`),
    "button.wasm": await compileAs(BUTTON),
  };
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  await writeFile(path.join(dir, "presses.txt"), "# time pin level\n100ms sw0 1\n250ms sw0 low\n");
});

describe("ocre run", () => {
  it("runs a .wasm file and prints its output", async () => {
    const run = await runOcre(["run", "hello.wasm", "--virtual-time"], { cwd: dir });
    expect(run.stdout).toBe("hello");
    expect(run.exitCode).toBe(0);
  });

  it("exits with the first failing container's code and prefixes output with container names", async () => {
    const run = await runOcre(["run", "late.wasm", "three.wasm", "hello.wasm", "--virtual-time"], { cwd: dir });
    expect(run.exitCode).toBe(3);
    expect(run.stdout.split("\n").sort()).toEqual(["hello | hello", "late | failing later", "three | exiting with 3"]);
    expect(run.stderr).toContain("three: exited with 3 at 0.005s");
    expect(run.stderr).toContain("late: exited with 7 at 0.050s");
  });

  it("reports a trap with its kind and function, exit 134 as the device", async () => {
    const run = await runOcre(["run", "trap.wasm", "--virtual-time"], { cwd: dir });
    expect(run.exitCode).toBe(134);
    expect(run.stderr).toContain("trap: trapped at 0.000s: out-of-bounds memory access in bad_pointer (exit 134)");
  });

  it("shows proc_exit(-1) as -1 and exits with the status a shell sees, 255", async () => {
    const run = await runOcre(["run", "minus.wasm", "--virtual-time"], { cwd: dir });
    expect(run.exitCode).toBe(255);
    expect(run.stderr).toContain("minus: exited with -1 (status 255)");
  });

  it("under --runtime upstream-0.7 a trap exits 0, as upstream reports it", async () => {
    const run = await runOcre(["run", "trap.wasm", "--virtual-time", "--runtime", "upstream-0.7"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain("trap: trapped at 0.000s: out-of-bounds memory access in bad_pointer (exit 0)");
  });

  it("stops an endless loop at --timeout with exit 124", async () => {
    const run = await runOcre(["run", "spin.wasm", "--timeout", "500ms"], { cwd: dir });
    expect(run.exitCode).toBe(124);
    expect(run.stderr).toContain("spin: stopped by --timeout");
  });

  it("drives inputs from --gpio-script and delivers the GPIO events", async () => {
    const run = await runOcre(
      ["run", "button.wasm", "--virtual-time", "--gpio-script", "presses.txt", "--trace", "calls.jsonl"],
      { cwd: dir },
    );
    expect(run.exitCode).toBe(0);
    // sw0 is the board's third alias: pin 0.2 on the default board (led0, led1, sw0, sw1).
    expect(run.stdout).toBe("pin 2 = 1\npin 2 = 0");
    expect(run.stderr).toMatch(/\[0\.100s\] sw0 \(0\.2\) = 1 {2}\(script\)/);
    expect(run.stderr).toMatch(/\[0\.250s\] sw0 \(0\.2\) = 0 {2}\(script\)/);
    const lines = (await readFile(path.join(dir, "calls.jsonl"), "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({
      t: 0,
      container: "button",
      call: "ocre_gpio_configure_by_name",
      args: ["sw0", 0],
      result: 0,
    });
    expect(lines.filter((l) => l.call === "ocre_get_event" && l.result === 0).map((l) => l.t)).toEqual([100, 250]);
  });

  it("prints one JSON document with --json", async () => {
    const run = await runOcre(["run", "hello.wasm", "--virtual-time", "--json"], { cwd: dir });
    const doc = JSON.parse(run.stdout) as {
      ok: boolean;
      exitCode: number;
      containers: { name: string; stdout: string }[];
    };
    expect(doc).toMatchObject({ ok: true, exitCode: 0, containers: [{ name: "hello", stdout: "hello\n" }] });
  });

  it("names an unknown board, a bad GPIO script pin and a missing file", async () => {
    const board = await runOcre(["run", "hello.wasm", "--board", "mps2-an52"], { cwd: dir });
    expect(board.exitCode).toBe(1);
    expect(board.stderr).toMatch(/OCRE_BOARD_UNKNOWN.*mps2-an521/);
    await writeFile(path.join(dir, "bad.txt"), "10ms sw9 1\n");
    const pin = await runOcre(["run", "button.wasm", "--virtual-time", "--gpio-script", "bad.txt"], { cwd: dir });
    expect(pin.exitCode).toBe(1);
    expect(pin.stderr).toMatch(/OCRE_RUN_GPIO_SCRIPT.*"sw9".*did you mean sw0/);
    const cap = await runOcre(["run", "hello.wasm", "--cap", "timers,gpoi"], { cwd: dir });
    expect(cap.exitCode).toBe(1);
    expect(cap.stderr).toMatch(/OCRE_RUN_CAPABILITY.*"gpoi".*did you mean gpio/);
    const missing = await runOcre(["run", "nope.wasm"], { cwd: dir });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("error OCRE_RUN_NOT_FOUND: no such app or file");
  });
});
