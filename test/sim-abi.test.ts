import { describe, expect, it } from "vitest";
import { OCRE_ABI, WASI_FUNCTIONS } from "../cli/abi/table.js";
import { simBoard } from "../cli/sim/board.js";
import { Container } from "../cli/sim/container.js";
import { buildImports } from "../cli/sim/host-imports.js";
import type { InstrumentedModule } from "../cli/sim/instrument.js";
import { runContainers } from "../cli/sim/run.js";
import { Simulation } from "../cli/sim/simulation.js";
import { compileWat } from "./sim-fixtures.js";

describe("the simulator's imports", () => {
  it("cover the ABI table exactly: every env function and the WASI subset, nothing else", () => {
    for (const trace of [false, true]) {
      const sim = new Simulation(simBoard("test", ["led0"], []), { containers: [], trace });
      const c = new Container(sim, 0, "x", [], [], {}, undefined as unknown as InstrumentedModule);
      const imports = buildImports(c);
      expect(Object.keys(imports).sort()).toEqual(["env", "wasi_snapshot_preview1"]);
      expect(Object.keys(imports.env!).sort()).toEqual(OCRE_ABI.map((f) => f.name).sort());
      expect(Object.keys(imports.wasi_snapshot_preview1!).sort()).toEqual(WASI_FUNCTIONS.map((f) => f.name).sort());
    }
  });

  it("refuse a module importing something the runtime lacks, naming it", async () => {
    const wasm = await compileWat(
      `(module (import "env" "ocre_slep" (func (param i32) (result i32))) (memory (export "memory") 1) (func (export "_start")))`,
    );
    await expect(runContainers({ containers: [{ name: "typo", wasm }], virtualTime: true })).rejects.toThrow(
      /env\.ocre_slep.*did you mean env\.ocre_sleep/,
    );
  });
});

describe("memory layout (as WAMR)", () => {
  const IMPORTS = `
    (import "env" "ocre_publish_message" (func $publish (param i32 i32 i32 i32) (result i32)))
    (import "env" "ocre_subscribe_message" (func $subscribe (param i32) (result i32)))
    (import "env" "ocre_get_event" (func $get_event (param i32 i32 i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))`;
  const BODY = `
    (data (i32.const 64) "m/1\\00t\\00")
    (func (export "_start")
      (drop (call $subscribe (i32.const 64)))
      (drop (call $publish (i32.const 64) (i32.const 68) (i32.const 64) (i32.const 3)))
      (drop (call $get_event (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 12) (i32.const 16) (i32.const 20)))
      ;; exit code: pages seen at startup * 1000 + (topic copy at or above the module's own memory end)
      (call $exit (i32.add (i32.mul (memory.size) (i32.const 1000)) (i32.ge_u (i32.load (i32.const 8)) (i32.const 131072)))))`;

  it("appends the app heap after the module's initial memory (defined memory)", async () => {
    const wasm = await compileWat(`(module ${IMPORTS} (memory (export "memory") 2 4) ${BODY})`);
    const run = await runContainers({
      containers: [{ name: "m", wasm, capabilities: ["messaging"], memory: { heapBytes: 100_000 } }],
      virtualTime: true,
    });
    // 2 own pages + ceil((100 000 heap + 16 KiB asyncify) / 64 KiB) = 2 pages appended.
    expect(run.containers[0]!.exitCode).toBe(4001);
  });

  it("does the same for an imported memory (C containers link with --import-memory)", async () => {
    const wasm = await compileWat(`(module ${IMPORTS} (import "env" "memory" (memory 2 4)) ${BODY})`);
    const run = await runContainers({
      containers: [{ name: "m", wasm, capabilities: ["messaging"] }],
      virtualTime: true,
    });
    expect(run.containers[0]!.exitCode).toBe(3001);
  });

  it("keeps the module's own growth budget and honours a smaller maximum", async () => {
    const grow = `(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1 3)
      (func (export "_start") (local $ok i32)
        (local.set $ok (i32.add (i32.ne (memory.grow (i32.const 2)) (i32.const -1)) (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        (call $exit (local.get $ok))))`;
    const wasm = await compileWat(grow);
    const full = await runContainers({ containers: [{ name: "g", wasm }], virtualTime: true });
    expect(full.containers[0]!.exitCode).toBe(1); // +2 pages fit (max 3), the next does not
    const capped = await runContainers({
      containers: [{ name: "g", wasm, memory: { maxPages: 2 } }],
      virtualTime: true,
    });
    expect(capped.containers[0]!.exitCode).toBe(1); // +2 no longer fits, +1 does
  });
});
