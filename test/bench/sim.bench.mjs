// Benchmark: the host simulator (`ocre run`, runContainers) in virtual time.
// 1. Blinky for 24 h of app time: a 1 Hz periodic timer toggling led0, with the C SDK's event
//    loop (poll events, sleep 10 ms), so 86 400 ticks and 8.64 M sleeps. Target ≤ 2 s wall.
//    Baseline in the same run: the same module on bare WebAssembly, imports that only count
//    (no scheduler, no timers, no GPIO model): the ratio is what the simulation costs.
// 2. Messages between two containers: a publisher sends 16 per ms, a subscriber drains its
//    queue each ms, checks order and frees every copy. Target ≥ 100 000 messages/s.
// Run: npm run bench (or: npx tsc -p tsconfig.json && node test/bench/sim.bench.mjs).
import path from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { verdict } from "./verdict.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const { runContainers } = await import(path.join(repoRoot, "dist/cli/sim/run.js"));
const wabt = await wabtInit();

const DAY_MS = 24 * 3600 * 1000;
const MESSAGES = Number(process.env.OCRE_BENCH_MESSAGES ?? 200_000);

function wat(text) {
  const mod = wabt.parseWat("bench.wat", text, {});
  mod.resolveNames();
  mod.validate();
  return mod.toBinary({ write_debug_names: true }).buffer;
}

const ENV = `
  (import "env" "ocre_sleep" (func $sleep (param i32) (result i32)))
  (import "env" "ocre_get_event" (func $get_event (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "ocre_timer_create" (func $timer_create (param i32) (result i32)))
  (import "env" "ocre_timer_start" (func $timer_start (param i32 i32 i32) (result i32)))
  (import "env" "ocre_gpio_configure_by_name" (func $gpio_cfg (param i32 i32) (result i32)))
  (import "env" "ocre_gpio_toggle_by_name" (func $gpio_toggle (param i32) (result i32)))
  (import "env" "ocre_publish_message" (func $publish (param i32 i32 i32 i32) (result i32)))
  (import "env" "ocre_subscribe_message" (func $subscribe (param i32) (result i32)))
  (import "env" "ocre_messaging_free_module_event_data" (func $free (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))`;

const blinky = wat(`(module ${ENV}
  (memory (export "memory") 1)
  (data (i32.const 64) "led0\\00")
  (func $poll (result i32) (call $get_event (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 12) (i32.const 16) (i32.const 20)))
  (func (export "_start")
    (drop (call $gpio_cfg (i32.const 64) (i32.const 1)))
    (drop (call $timer_create (i32.const 1)))
    (drop (call $timer_start (i32.const 1) (i32.const 1000) (i32.const 1)))
    (loop $forever
      (block $drained (loop $events
        (br_if $drained (i32.ne (call $poll) (i32.const 0)))
        (if (i32.eqz (i32.load (i32.const 0))) (then (drop (call $gpio_toggle (i32.const 64)))))
        (br $events)))
      (drop (call $sleep (i32.const 10)))
      (br $forever))))`);

const publisher = wat(`(module ${ENV}
  (memory (export "memory") 1)
  (data (i32.const 64) "data/seq\\00")
  (data (i32.const 96) "application/octet-stream\\00")
  (func (export "_start") (local $i i32) (local $k i32)
    (block $done (loop $batch
      (br_if $done (i32.ge_u (local.get $i) (i32.const ${MESSAGES})))
      (local.set $k (i32.const 0))
      (block $full (loop $send
        (br_if $full (i32.ge_u (local.get $k) (i32.const 16)))
        (br_if $full (i32.ge_u (local.get $i) (i32.const ${MESSAGES})))
        (i32.store (i32.const 128) (local.get $i))
        ;; Any error is a full queue here: upstream's -ENOENT, as ocre returns (docs/compat.md).
        (br_if $full (i32.ne (call $publish (i32.const 64) (i32.const 96) (i32.const 128) (i32.const 4)) (i32.const 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $send)))
      (drop (call $sleep (i32.const 1)))
      (br $batch)))))`);

const subscriber = wat(`(module ${ENV}
  (memory (export "memory") 1)
  (data (i32.const 64) "data/\\00")
  (func (export "_start") (local $expected i32) (local $bad i32)
    (drop (call $subscribe (i32.const 64)))
    (block $done (loop $outer
      (br_if $done (i32.ge_u (local.get $expected) (i32.const ${MESSAGES})))
      (block $drained (loop $events
        (br_if $drained (i32.ne (call $get_event (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 12) (i32.const 16) (i32.const 20)) (i32.const 0)))
        (if (i32.ne (i32.load (i32.load (i32.const 16))) (local.get $expected)) (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (local.set $expected (i32.add (local.get $expected) (i32.const 1)))
        (drop (call $free (i32.load (i32.const 8)) (i32.load (i32.const 12)) (i32.load (i32.const 16))))
        (br $events)))
      (drop (call $sleep (i32.const 1)))
      (br $outer)))
    (call $exit (local.get $bad))))`);

/** The blinky module on bare WebAssembly: sleep counts app time, a timer event every 1000 ms. */
function bareBlinky() {
  let now = 0;
  let nextTick = 1000;
  let pending = 0;
  let toggles = 0;
  let memory;
  const stop = new Error("day over");
  const env = {
    ocre_sleep: (ms) => {
      now += ms;
      if (now >= nextTick) {
        pending++;
        nextTick += 1000;
      }
      if (now > DAY_MS) throw stop;
      return 0;
    },
    ocre_get_event: (t) => {
      if (pending === 0) return -42;
      pending--;
      new DataView(memory.buffer).setUint32(t, 0, true);
      return 0;
    },
    ocre_timer_create: () => 0,
    ocre_timer_start: () => 0,
    ocre_gpio_configure_by_name: () => 0,
    ocre_gpio_toggle_by_name: () => ++toggles && 0,
    ocre_publish_message: () => 0,
    ocre_subscribe_message: () => 0,
    ocre_messaging_free_module_event_data: () => 0,
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(blinky), {
    env,
    wasi_snapshot_preview1: { proc_exit: () => {} },
  });
  memory = instance.exports.memory;
  const start = performance.now();
  try {
    instance.exports._start();
  } catch (error) {
    if (error !== stop) throw error;
  }
  return { ms: performance.now() - start, toggles };
}

// Warm binaryen (the first instrumentation loads it) so that neither number includes it.
await runContainers({
  containers: [{ name: "warm", wasm: blinky, capabilities: ["ocre:api"] }],
  virtualTime: true,
  durationMs: 1000,
});

const day = await runContainers({
  containers: [{ name: "blinky", wasm: blinky, capabilities: ["ocre:api"] }],
  virtualTime: true,
  durationMs: DAY_MS,
});
const toggles = day.gpio.length;
const bare = bareBlinky();

const msg = await runContainers({
  containers: [
    { name: "sub", wasm: subscriber, capabilities: ["messaging"] },
    { name: "pub", wasm: publisher, capabilities: ["messaging"] },
  ],
  virtualTime: true,
  // 16 per ms: the messages take 12.5 s of app time. The bound turns a lost message (the
  // subscriber then waits for ever) into a missed target instead of a bench that never ends.
  durationMs: 10 * 60_000,
});
// Message time excludes preparing the two modules (binaryen instrumentation, once per module).
const msgMs = msg.wallTimeMs - msg.loadWallMs;
const sub = msg.containers.find((c) => c.name === "sub");
const rate = (MESSAGES / msgMs) * 1000;

console.log(
  `Host simulator, virtual time (module preparation, not counted: blinky ${Math.round(day.loadWallMs)} ms, messages ${Math.round(msg.loadWallMs)} ms):`,
);
const rows = [
  {
    case: "blinky 24 h (86 400 ticks, 8.64 M sleeps)",
    "wall ms": Math.round(day.wallTimeMs - day.loadWallMs),
    toggles,
    "bare Wasm ms": Math.round(bare.ms),
    "vs bare": `${((day.wallTimeMs - day.loadWallMs) / bare.ms).toFixed(1)}x`,
    target: "≤ 2000 ms",
    ok: day.wallTimeMs - day.loadWallMs <= 2000 && toggles === 86_400 ? "yes" : "NO",
  },
  {
    case: `messages between two containers (${MESSAGES})`,
    "wall ms": Math.round(msgMs),
    toggles: "",
    "bare Wasm ms": "",
    "vs bare": "",
    target: "≥ 100 000 msg/s",
    ok: rate >= 100_000 && sub.exitCode === 0 && sub.stats.eventsDelivered === MESSAGES ? "yes" : "NO",
    "msg/s": Math.round(rate),
    lost: MESSAGES - sub.stats.eventsDelivered,
    "out of order": sub.exitCode,
  },
];
console.table(rows);
verdict(rows.filter((r) => r.ok !== "yes").map((r) => `${r.case}: ${r.target}`));
