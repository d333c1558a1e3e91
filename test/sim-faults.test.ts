import { beforeAll, describe, expect, it } from "vitest";
import { runContainers } from "../cli/sim/run.js";
import { compileWat } from "./sim-fixtures.js";

const wat: Record<string, Uint8Array> = {};

const IMPORTS = `
  (import "env" "ocre_publish_message" (func $publish (param i32 i32 i32 i32) (result i32)))
  (import "env" "ocre_subscribe_message" (func $subscribe (param i32) (result i32)))
  (import "env" "ocre_get_event" (func $get_event (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "uname" (func $uname (param i32) (result i32)))
  (import "env" "ocre_sleep" (func $sleep (param i32) (result i32)))
  (import "env" "ocre_gpio_configure_by_name" (func $gpio_cfg (param i32 i32) (result i32)))
  (import "env" "ocre_timer_create" (func $timer_create (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))`;

beforeAll(async () => {
  // Pointers at and across the end of memory (memory.size includes the appended app heap).
  wat.oob = await compileWat(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (data (i32.const 16) "t/x\\00")
    (func $end (result i32) (i32.mul (memory.size) (i32.const 65536)))
    (func (export "_start")
      (i32.store8 (i32.sub (call $end) (i32.const 1)) (i32.const 120))
      (drop (call $publish (i32.const 16) (i32.const 16) (i32.sub (call $end) (i32.const 2)) (i32.const 100)))
      (drop (call $publish (i32.sub (call $end) (i32.const 1)) (i32.const 16) (i32.const 0) (i32.const 0)))
      (drop (call $subscribe (i32.sub (call $end) (i32.const 1))))
      (drop (call $get_event (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 12) (i32.const 16) (i32.sub (call $end) (i32.const 2))))
      (drop (call $uname (i32.sub (call $end) (i32.const 100))))
      (i32.store (i32.const 32) (i32.sub (call $end) (i32.const 4)))
      (i32.store (i32.const 36) (i32.const 64))
      (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))))`);
  wat.traps = await compileWat(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (func $divide (param i32) (result i32) (i32.div_s (i32.const 7) (local.get 0)))
    (func $crash_after_sleep (drop (call $sleep (i32.const 5))) (drop (call $divide (i32.const 0))))
    (func (export "_start") (call $crash_after_sleep)))`);
  wat.unreachable = await compileWat(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (func $give_up unreachable)
    (func (export "_start") (call $give_up)))`);
  wat.recurse = await compileWat(`(module (memory (export "memory") 1)
    (func $recurse (param i32) (result i32) (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
    (func (export "_start") (drop (call $recurse (i32.const 0)))))`);
  // Waits for its timer by polling without ever sleeping.
  wat.busy = await compileWat(`(module ${IMPORTS}
    (import "env" "ocre_timer_start" (func $timer_start (param i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (call $timer_create (i32.const 3)))
      (drop (call $timer_start (i32.const 3) (i32.const 100) (i32.const 0)))
      (loop $poll (br_if $poll (i32.ne (call $get_event (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 12) (i32.const 16) (i32.const 20)) (i32.const 0))))
      (call $exit (i32.load (i32.const 4)))))`);
  wat.spin = await compileWat(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (func (export "_start") (loop $forever (br $forever))))`);
  // Floods: one container publishes 100 messages at once to one that reads them 1 s later.
  wat.flooder = await compileWat(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (data (i32.const 16) "f/x\\00t\\00")
    (func (export "_start") (local $i i32)
      (loop $l
        (drop (call $publish (i32.const 16) (i32.const 20) (i32.const 16) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))))`);
  wat.sink = await compileWat(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (data (i32.const 16) "f/\\00")
    (func (export "_start") (local $n i32)
      (drop (call $subscribe (i32.const 16)))
      (drop (call $sleep (i32.const 1000)))
      (block $done (loop $l
        (br_if $done (i32.ne (call $get_event (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 12) (i32.const 16) (i32.const 20)) (i32.const 0)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
      (call $exit (local.get $n))))`);
  wat.nogpio = await compileWat(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (data (i32.const 16) "led0\\00")
    (func (export "_start")
      (drop (call $gpio_cfg (i32.const 16) (i32.const 1)))
      (drop (call $gpio_cfg (i32.const 16) (i32.const 1)))
      (drop (call $timer_create (i32.const 1)))))`);
});

describe("faults", () => {
  it("a buffer running past the end of memory gets -EINVAL and the host reads nothing outside memory", async () => {
    const run = await runContainers({
      containers: [{ name: "oob", wasm: wat.oob!, capabilities: ["ocre:api"] }],
      virtualTime: true,
      trace: true,
    });
    expect(run.containers[0]).toMatchObject({ status: "exited", exitCode: 0 });
    const results = run.trace.map((e) => [e.call, e.result]);
    expect(results).toEqual([
      ["ocre_publish_message", -22], // payload starts inside, ends outside
      ["ocre_publish_message", -22], // topic not terminated before the end
      ["ocre_subscribe_message", 0], // upstream copies at most 63 bytes: "x", cut at the end
      ["ocre_get_event", -22],
      ["uname", -1], // upstream's answer when the 480 bytes do not fit
      ["fd_write", 21], // WASI EFAULT
    ]);
    expect(run.containers[0]!.stdout).toBe("");
  });

  it.each([
    [
      "a payload pointer outside memory",
      "(call $publish (i32.const 16) (i32.const 16) (i32.const 0xfffffff0) (i32.const 4))",
    ],
    [
      "a topic pointer outside memory",
      "(call $publish (i32.const 0xfffffff0) (i32.const 16) (i32.const 16) (i32.const 1))",
    ],
    ["a prefix pointer outside memory", "(call $subscribe (i32.const 0x7ffffff0))"],
    ["a uname buffer outside memory", "(call $uname (i32.const -1))"],
    [
      "a GPIO name running past the end of memory",
      "(call $gpio_cfg (i32.sub (call $end) (i32.const 1)) (i32.const 1))",
    ],
  ])("%s traps, as WAMR does on the device and upstream", async (_what, call) => {
    const wasm = await compileWat(`(module ${IMPORTS}
      (memory (export "memory") 1)
      (data (i32.const 16) "t/x\\00")
      (func $end (result i32) (i32.mul (memory.size) (i32.const 65536)))
      (func $bad_call (drop ${call}))
      (func (export "_start")
        (i32.store8 (i32.sub (call $end) (i32.const 1)) (i32.const 120))
        (call $bad_call)))`);
    const run = await runContainers({
      containers: [{ name: "oob", wasm, capabilities: ["ocre:api"] }],
      virtualTime: true,
    });
    expect(run.containers[0]).toMatchObject({ status: "trapped", exitCode: 134 });
    expect(run.containers[0]!.trap).toMatchObject({ kind: "out-of-bounds memory access", function: "bad_call" });
  });

  it("a trap reports its kind and the Wasm function, and fails the run", async () => {
    const run = await runContainers({ containers: [{ name: "div", wasm: wat.traps! }], virtualTime: true });
    expect(run.containers[0]).toMatchObject({ status: "trapped", exitCode: 134, endedAtMs: 5 });
    expect(run.containers[0]!.trap).toMatchObject({ kind: "integer divide by zero", function: "divide" });
    expect(run.exitCode).toBe(134);
    const other = await runContainers({ containers: [{ name: "u", wasm: wat.unreachable! }], virtualTime: true });
    expect(other.containers[0]!.trap).toMatchObject({ kind: "unreachable", function: "give_up" });
    const deep = await runContainers({ containers: [{ name: "r", wasm: wat.recurse! }], virtualTime: true });
    expect(deep.containers[0]!.trap).toMatchObject({ kind: "stack overflow", function: "recurse" });
  });

  it("an infinite loop is stopped by the timeout", async () => {
    const start = performance.now();
    const run = await runContainers({
      containers: [{ name: "spin", wasm: wat.spin! }],
      virtualTime: true,
      timeoutMs: 300,
    });
    expect(performance.now() - start).toBeLessThan(5000);
    expect(run.containers[0]).toMatchObject({ status: "timeout", exitCode: 124 });
    expect(run.exitCode).toBe(124);
  });

  it("a container that busy-polls without sleeping still sees virtual time move", async () => {
    const run = await runContainers({
      containers: [{ name: "busy", wasm: wat.busy!, capabilities: ["timers"] }],
      virtualTime: true,
      timeoutMs: 5000,
    });
    expect(run.containers[0]).toMatchObject({ status: "exited", exitCode: 3, endedAtMs: 100 });
  });

  it("an event flood counts the overflow and the run goes on", async () => {
    const run = await runContainers({
      containers: [
        { name: "sink", wasm: wat.sink!, capabilities: ["messaging"] },
        { name: "flooder", wasm: wat.flooder!, capabilities: ["messaging"] },
      ],
      virtualTime: true,
      limits: { eventQueueDepth: 32 },
    });
    const [sink, flooder] = run.containers;
    expect(flooder).toMatchObject({ status: "exited", exitCode: 0 });
    expect(sink).toMatchObject({ status: "exited", exitCode: 32, endedAtMs: 1000 });
    expect(sink!.stats.eventsOverflowed).toBe(68);
    expect(run.warnings.filter((w) => w.message.includes("event queue full"))).toHaveLength(1);
  });

  it("a GPIO call without the capability gets -EPERM, with one warning", async () => {
    const run = await runContainers({
      containers: [{ name: "nogpio", wasm: wat.nogpio!, capabilities: ["timers"] }],
      virtualTime: true,
      trace: true,
    });
    expect(run.trace.map((e) => [e.call, e.result])).toEqual([
      ["ocre_gpio_configure_by_name", -1],
      ["ocre_gpio_configure_by_name", -1],
      ["ocre_timer_create", 0],
    ]);
    expect(run.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('ocre_gpio_configure_by_name needs capability "gpio"'),
    ]);
    expect(run.gpio).toEqual([]);
  });

  it("enforces upstream's timer count: ids 1..8 per container, a taken id is busy", async () => {
    const timers = await compileWat(`(module ${IMPORTS}
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (call $timer_create (i32.const 1))) (drop (call $timer_create (i32.const 8)))
        (drop (call $timer_create (i32.const 9))) (drop (call $timer_create (i32.const 0)))
        (drop (call $timer_create (i32.const 1)))))`);
    const run = await runContainers({
      containers: [{ name: "timers", wasm: timers, capabilities: ["timers"] }],
      virtualTime: true,
      trace: true,
    });
    expect(run.trace.map((e) => [e.args[0], e.result])).toEqual([
      [1, 0],
      [8, 0],
      [9, -22],
      [0, -22],
      [1, -16],
    ]);
  });
});
