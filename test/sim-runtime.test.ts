import { beforeAll, describe, expect, it } from "vitest";
import { runContainers } from "../cli/sim/run.js";
import { parseSensorTrace } from "../cli/sim/sensor-trace.js";
import { BLINKY, HELLO, SENSOR, compileAs, publisher, subscriber, timerUser } from "./sim-fixtures.js";

const wasm: Record<string, Uint8Array> = {};

beforeAll(async () => {
  wasm.hello = await compileAs(HELLO);
  wasm.blinky = await compileAs(BLINKY);
  wasm.sensor = await compileAs(SENSOR);
  wasm.pub = await compileAs(publisher(1000));
  wasm.sub = await compileAs(subscriber(1000));
  wasm.timerA = await compileAs(timerUser("a", 100));
  wasm.timerB = await compileAs(timerUser("b", 150));
});

describe("runContainers with virtual time", () => {
  it("hello prints and exits 0", async () => {
    const run = await runContainers({ containers: [{ name: "hello", wasm: wasm.hello! }], virtualTime: true });
    expect(run.exitCode).toBe(0);
    expect(run.containers[0]).toMatchObject({
      name: "hello",
      status: "exited",
      exitCode: 0,
      stdout: "hello from ocre\n",
    });
  });

  it("blinky toggles led0 exactly N times in N x interval, at each interval", async () => {
    const n = 10;
    const run = await runContainers({
      containers: [{ name: "blinky", wasm: wasm.blinky!, capabilities: ["timers", "gpio"] }],
      virtualTime: true,
      durationMs: n * 1000,
    });
    const led = run.gpio.filter((g) => g.alias === "led0");
    expect(led.map((g) => g.timeMs)).toEqual(Array.from({ length: n }, (_, i) => (i + 1) * 1000));
    expect(led.map((g) => g.level)).toEqual(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)));
    expect(run.containers[0]).toMatchObject({ status: "stopped", exitCode: 0 });
    expect(run.exitCode).toBe(0);
    expect(run.appTimeMs).toBe(n * 1000);
  });

  it("is deterministic: the same run gives the same trace", async () => {
    const opts = {
      containers: [{ name: "blinky", wasm: wasm.blinky!, capabilities: ["ocre:api"] }],
      virtualTime: true,
      durationMs: 3000,
      trace: true,
    };
    const a = await runContainers(opts);
    const b = await runContainers(opts);
    expect(a.trace.length).toBeGreaterThan(300);
    expect(b.trace).toEqual(a.trace);
  });

  it("sensor publishes only when the replayed trace crosses the threshold", async () => {
    const sensors = parseSensorTrace(
      [
        "time,sensor,channel,value",
        "0,temp0,ambient_temp,20",
        "1s,temp0,ambient_temp,29.9",
        "2s,temp0,ambient_temp,31",
        "3s,temp0,ambient_temp,35",
        "4s,temp0,ambient_temp,29",
        "5s,temp0,ambient_temp,25",
      ].join("\n"),
    );
    const run = await runContainers({
      containers: [{ name: "sensor", wasm: wasm.sensor!, capabilities: ["timers", "sensors", "messaging"] }],
      virtualTime: true,
      durationMs: 6000,
      sensors,
      trace: true,
    });
    const publishes = run.trace.filter((e) => e.call === "ocre_publish_message");
    expect(publishes.map((e) => e.t)).toEqual([2000, 4000]);
    expect(run.containers[0]!.stdout).toBe("hot\ncold\n");
    const reads = run.trace.filter((e) => e.call === "ocre_sensors_read_by_name");
    expect(reads.length).toBe(60);
    expect(reads.find((e) => e.t === 3000)?.result).toBe(35);
  });

  it("pubsub delivers 1000 messages in order with none lost, and the receiver's heap is freed", async () => {
    const run = await runContainers({
      containers: [
        { name: "sub", wasm: wasm.sub!, capabilities: ["messaging"] },
        { name: "pub", wasm: wasm.pub!, capabilities: ["messaging"] },
      ],
      virtualTime: true,
      timeoutMs: 60_000,
    });
    const [sub, pub] = run.containers;
    expect(sub).toMatchObject({ status: "exited", exitCode: 0, stdout: "in order\n" });
    expect(sub!.stats).toMatchObject({
      eventsDelivered: 1000,
      eventsOverflowed: 0,
      messagesDroppedNoHeap: 0,
      appHeapInUse: 0,
    });
    expect(pub).toMatchObject({ status: "exited", exitCode: 0 });
    expect(pub!.stats.messagesPublished).toBe(1000);
    expect(run.exitCode).toBe(0);
  });

  it("two containers each use their own timer id 1", async () => {
    const run = await runContainers({
      containers: [
        { name: "a", wasm: wasm.timerA!, capabilities: ["timers"] },
        { name: "b", wasm: wasm.timerB!, capabilities: ["timers"] },
      ],
      virtualTime: true,
      timeoutMs: 10_000,
    });
    expect(run.containers.map((c) => [c.stdout, c.exitCode, c.endedAtMs])).toEqual([
      ["a: 5 ticks\n", 0, 501],
      ["b: 5 ticks\n", 0, 751],
    ]);
  });

  it("runs in real time without --virtual-time: 2.1 s of blinky toggles twice", async () => {
    const run = await runContainers({
      containers: [{ name: "blinky", wasm: wasm.blinky!, capabilities: ["ocre:api"] }],
      durationMs: 2100,
    });
    expect(run.virtualTime).toBe(false);
    expect(run.gpio.filter((g) => g.alias === "led0")).toHaveLength(2);
    expect(run.appTimeMs).toBeGreaterThanOrEqual(2100);
  });
});
