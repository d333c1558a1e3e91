/**
 * The simulator keeps the device runtime's rules (issue 12): per-line GPIO allow-lists answer
 * -EPERM outside the list, and a container that opted into ocre:wait-v1 wakes only for its own
 * events.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runContainers } from "../cli/sim/run.js";
import { parseSensorTrace } from "../cli/sim/sensor-trace.js";
import { compileAs } from "./sim-fixtures.js";
import { compileApp, writeFixtureApp } from "./sdk-helpers.js";

const GPIO_CODES = `
@external("env", "ocre_gpio_configure") declare function ocre_gpio_configure(port: i32, pin: i32, dir: i32): i32;
const a = ocre_gpio_configure_by_name(cstr("led0"), 1);
const b = ocre_gpio_configure_by_name(cstr("sw0"), 0);
const c = ocre_gpio_configure(0, 7, 1);
print(a.toString() + " " + b.toString() + " " + c.toString() + "\\n");`;

/** Opts into ocre:wait-v1, then waits with no time limit; exits on its first event. */
const WAITER = `
@external("env", "ocre_register_dispatcher") declare function ocre_register_dispatcher(t: i32, name: usize): i32;
@external("env", "ocre_subscribe_message") declare function sub2(topic: usize): i32;
print("handshake " + ocre_register_dispatcher(0x6f637265, cstr("ocre:wait-v1")).toString() + "\\n");
sub2(cstr("wake/"));
ocre_sleep(-1);
print(nextEvent() == 0 ? "woken by its event\\n" : "woken for nothing\\n");`;

/** Publishes on "wake/now" after 5 s of its own 1 s ticks. */
const WAKER = `
ocre_timer_create(1);
ocre_timer_start(1, 1000, 1);
let n = 0;
while (n < 5) {
  while (nextEvent() == 0) n++;
  ocre_sleep(10);
}
// a non-empty content type ("t"): an empty one answers -EINVAL, as upstream
store<u16>(TXT + 64, 0x74);
ocre_publish_message(cstr("wake/now"), TXT + 64, TXT + 128, 1);`;

/**
 * Publishes two messages to itself and sleeps 100 ms; takes one and sleeps 100 ms again while
 * a GPIO step it does not watch happens. Neither its own messages nor the one left pending are
 * new events: both sleeps last their time.
 */
const BACKLOG = `
@external("env", "ocre_register_dispatcher") declare function ocre_register_dispatcher(t: i32, name: usize): i32;
ocre_register_dispatcher(0x6f637265, cstr("ocre:wait-v1"));
ocre_subscribe_message(cstr("self/"));
store<u16>(TXT + 64, 0x74);
ocre_publish_message(cstr("self/a"), TXT + 64, TXT + 128, 1);
ocre_publish_message(cstr("self/b"), TXT + 64, TXT + 128, 1);
ocre_sleep(100);
print(nextEvent().toString() + "\\n");
ocre_sleep(100);`;

const wasm: Record<string, Uint8Array> = {};
beforeAll(async () => {
  wasm.gpio = await compileAs(GPIO_CODES);
  wasm.waiter = await compileAs(WAITER);
  wasm.waker = await compileAs(WAKER);
  wasm.backlog = await compileAs(BACKLOG);
});

describe("GPIO allow-lists", () => {
  const run = async (capabilities: string[], gpio?: string[]) =>
    (await runContainers({ containers: [{ name: "g", wasm: wasm.gpio!, capabilities, gpio }], virtualTime: true }))
      .containers[0]!;

  it("a list allows exactly its lines (-EPERM, errno 1, for the rest)", async () => {
    const c = await run(["gpio"], ["sw0", "0:7"]);
    expect(c.stdout).toBe("-1 0 0\n");
  });

  it('"gpio" without a list allows the board\'s led/sw aliases only', async () => {
    expect((await run(["gpio"])).stdout).toBe("0 0 -1\n");
  });

  it('"ocre:api" without a list allows every line, as upstream', async () => {
    expect((await run(["ocre:api"])).stdout).toBe("0 0 0\n");
  });
});

describe("ocre:wait-v1", () => {
  it("a waiting container sleeps through 5 s of another's ticks and wakes for its own message", async () => {
    const result = await runContainers({
      containers: [
        { name: "waiter", wasm: wasm.waiter!, capabilities: ["messaging"] },
        { name: "waker", wasm: wasm.waker!, capabilities: ["timers", "messaging"] },
      ],
      virtualTime: true,
      durationMs: 10_000,
    });
    const [waiter, waker] = result.containers;
    expect(waiter).toMatchObject({ status: "exited", stdout: "handshake 0\nwoken by its event\n", endedAtMs: 5010 });
    // (the waker sees its 5th tick after its 10 ms poll: it publishes at 5010 ms)
    expect(waiter!.stats.wakeups).toBe(1);
    // the waker polled with 10 ms sleeps: hundreds of wake-ups for the same 5 s
    expect(waker!.stats.wakeups).toBeGreaterThan(400);
  });
});

describe("ocre:wait-v1 sleeps, as the device's shim (test/c/test_runtime.c)", () => {
  it("are not cut short by the container's own messages nor by events already pending", async () => {
    const result = await runContainers({
      containers: [{ name: "backlog", wasm: wasm.backlog!, capabilities: ["messaging"] }],
      virtualTime: true,
      durationMs: 10_000,
      gpioScript: [{ timeMs: 150, pin: "sw0", level: 1 }],
    });
    expect(result.containers[0]).toMatchObject({ status: "exited", stdout: "0\n", endedAtMs: 200 });
  });
});

describe("SDK pins opened by name", () => {
  it("bind to their own line: sw1 pressed first still reaches sw1's handler", async () => {
    const app = await writeFixtureApp(
      `import { console, Gpio, Direction, run } from "ocre";
const sw0 = Gpio.byName("sw0");
const sw1 = Gpio.byName("sw1");
sw0.configure(Direction.Input);
sw1.configure(Direction.Input);
sw0.onChange((level: i32, port: i32, pin: i32): void => console.log("sw0 " + level.toString()));
sw1.onChange((level: i32, port: i32, pin: i32): void => console.log("sw1 " + level.toString()));
run();`,
      { capabilities: ["gpio"] },
    );
    const wasm = await compileApp(app);
    const run = await runContainers({
      containers: [{ name: "buttons", wasm, capabilities: ["gpio"] }],
      virtualTime: true,
      durationMs: 1000,
      gpioScript: [
        { timeMs: 100, pin: "sw1", level: 1 },
        { timeMs: 200, pin: "sw0", level: 1 },
        { timeMs: 300, pin: "sw1", level: 0 },
      ],
    });
    expect(run.containers[0]!.stdout).toBe("sw1 1\nsw0 1\nsw1 0\n");
  });
});

describe("SDK sensor reads", () => {
  it("report errors out of band: a reading of -5.0 is a value, a missing channel an error", async () => {
    const app = await writeFixtureApp(
      `import { console, Sensor } from "ocre";
const s = Sensor.openByName("temp0");
const v = s.read(13);
console.log(v.toString() + " " + s.lastError.toString());
const w = s.read(99);
console.log(s.lastError.toString());`,
      { capabilities: ["sensors"] },
    );
    const wasm = await compileApp(app);
    const run = await runContainers({
      containers: [{ name: "reader", wasm, capabilities: ["sensors"] }],
      virtualTime: true,
      sensors: parseSensorTrace("time,sensor,channel,value\n0,temp0,ambient_temp,-5\n"),
    });
    expect(run.containers[0]!.stdout).toBe("-5.0 0\n-22\n");
  });
});
