import { beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import wabtInit from "wabt";
import { cliPath, runOcre, tempDir } from "./helpers/cli.js";
import { runContainers } from "../cli/sim/run.js";
import { createTraceWriter } from "../cli/sim/trace-file.js";

/** `ocre run` against hostile containers: each case is one finding of issue 10. */

let dir: string;
const modules: Record<string, string> = {};

const WAT: Record<string, string> = {
  // A start section that never ends: it runs while the module is instantiated.
  startLoop: `(module (memory (export "memory") 1)
    (func $forever (loop $l (br $l))) (start $forever)
    (func (export "_start")))`,
  // A container that computes forever and never sleeps.
  busy: `(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))`,
  // One fd_write with 8192 iovecs of 64 KiB each (512 MiB of output), all pointing at one buffer.
  flood: `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 3)
    (func (export "_start") (local $i i32)
      (memory.fill (i32.const 0) (i32.const 65) (i32.const 65536))
      (loop $l
        (i32.store (i32.add (i32.const 65536) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0))
        (i32.store (i32.add (i32.const 65540) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 8192))))
      (drop (call $w (i32.const 1) (i32.const 65536) (i32.const 8192) (i32.const 131072)))))`,
  // Declares ocre_sleep with an i64 parameter: the runtime's is (i32) -> i32.
  badSignature: `(module
    (import "env" "ocre_sleep" (func $s (param i64) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start") (drop (call $s (i64.const 1)))))`,
  // Writes terminal escapes (ESC [2J, a C1 CSI as UTF-8, a bidi override) to stdout.
  escapes: `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "\\1b[2Jhi\\c2\\9b31m\\e2\\80\\aeok")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 16))
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`,
  // Declares 65536 initial pages (4 GiB).
  hugeMemory: `(module (memory (export "memory") 65536) (func (export "_start")))`,
};

beforeAll(async () => {
  dir = await tempDir("ocre-run-hardening-");
  const wabt = await wabtInit();
  for (const [name, wat] of Object.entries(WAT)) {
    const mod = wabt.parseWat(`${name}.wat`, wat, { bulk_memory: true });
    const file = path.join(dir, `${name}.wasm`);
    await writeFile(file, new Uint8Array(mod.toBinary({}).buffer));
    mod.destroy();
    modules[name] = file;
  }
});

/** Runs the CLI with a kill after 90 s, so a regression fails instead of hanging the suite. */
async function bounded(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [cliPath, ...args], {
    reject: false,
    timeout: 90_000,
    env: { NO_COLOR: "1" },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe("ocre run hardening", () => {
  it("--timeout stops an infinite loop in the start section", async () => {
    // Before, this hung until killed; the kill here is only a backstop for a regression.
    const result = await bounded(["run", modules.startLoop!, "--timeout", "1s", "--json"]);
    expect(result.exitCode).toBe(124);
    const doc = JSON.parse(result.stdout);
    expect(doc.containers[0]).toMatchObject({ name: "startLoop", status: "timeout", exitCode: 124 });
    // The run's own wall clock (instrumenting included), not the loaded machine's process start-up.
    expect(doc.wallTimeMs).toBeLessThan(8000);
  });

  it("--duration bounds a container that never sleeps in real time", async () => {
    const result = await bounded(["run", modules.busy!, "--duration", "1s", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.containers[0]).toMatchObject({ status: "stopped", exitCode: 0 });
    // Before: 41 s for --duration 5s. Now the run ends at the wall-clock bound.
    expect(doc.appTimeMs).toBeLessThan(3000);
    expect(doc.wallTimeMs).toBeLessThan(8000);
  });

  it("one fd_write of 8192 iovecs (512 MiB) keeps 1 MiB per stream, with a notice, in bounded memory", async () => {
    const result = await execa(
      "/usr/bin/time",
      ["-f", "%M", process.execPath, cliPath, "run", modules.flood!, "--json"],
      {
        reject: false,
        env: { NO_COLOR: "1" },
      },
    );
    expect(result.exitCode, String(result.stderr).slice(-2000)).toBe(0);
    const doc = JSON.parse(String(result.stdout));
    const stdout = doc.containers[0].stdout as string;
    expect(stdout.length).toBeLessThan(1024 * 1024 + 100);
    expect(stdout.startsWith("A".repeat(1000))).toBe(true);
    expect(stdout.endsWith("[ocre: stdout truncated after 1048576 characters]\n")).toBe(true);
    expect(doc.warnings.map((w: { message: string }) => w.message)).toContainEqual(
      expect.stringContaining("stdout over 1048576 characters"),
    );
    const peakKb = Number(String(result.stderr).trim().split("\n").pop());
    // Before: the whole 512 MiB joined into one string crashed the run ("Invalid string length").
    expect(peakKb).toBeLessThan(400 * 1024);
  });

  it("an import signature mismatch is a clean error naming the import and both signatures", async () => {
    const result = await runOcre(["run", modules.badSignature!]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      "error OCRE_RUN_IMPORT_SIGNATURE: badSignature: imports env.ocre_sleep as (i64) -> i32, but the runtime provides (i32) -> i32",
    );
  });

  it("container output in --json carries no raw control characters and parses back to the same text", async () => {
    const result = await runOcre(["run", modules.escapes!, "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(result.stdout).containers[0].stdout).toBe("\u001b[2Jhi\u009b31m\u202eok");
  });

  it("a module declaring 65536 pages is a clean error, not OCRE_INTERNAL", async () => {
    const result = await runOcre(["run", modules.hugeMemory!]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error OCRE_RUN_[A-Z_]+: hugeMemory: /m);
    expect(result.stderr).not.toContain("internal error");
  });

  it("the library keeps a bounded in-memory trace and says so", async () => {
    const wasm = new Uint8Array(await readFile(modules.escapes!));
    const run = await runContainers({ containers: [{ name: "t", wasm }], trace: true, maxTraceEntries: 0 });
    expect(run.trace).toEqual([]);
    expect(run.warnings.map((w) => w.message)).toContainEqual(expect.stringContaining("the trace keeps the first 0"));
  });

  it("a trace file stops at its size cap with a last line saying so", async () => {
    const file = path.join(dir, "trace.jsonl");
    const writer = createTraceWriter(file, 300);
    const entry = { timeMs: 0, container: "c", call: "env.ocre_sleep", args: [1], result: 0 };
    for (let i = 0; i < 100; i++) writer.write(entry as never);
    writer.commit();
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    expect(writer.truncated()).toBe(true);
    expect(lines.length).toBeLessThan(10);
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual({ truncated: true, entries: writer.count(), maxBytes: 300 });
  });
});
