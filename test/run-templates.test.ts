import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApps } from "../cli/pipeline/build.js";
import { scaffold } from "../cli/scaffold/scaffold.js";
import { parseSensorTrace } from "../cli/sim/sensor-trace.js";
import { runContainers } from "../cli/sim/run.js";
import { healthTopic, parseHealth } from "../cli/abi/health.js";
import type { ContainerSpec } from "../cli/spec.js";
import { runOcre, tempDir } from "./helpers/cli.js";

/** Every app template, scaffolded and built as a user would, then run in virtual time. */
let root = "";
const specs: Record<string, ContainerSpec> = {};

beforeAll(async () => {
  root = await tempDir("ocre-run-templates-");
  for (const template of ["hello", "blinky", "sensor", "pubsub", "health"] as const)
    await scaffold({ dir: path.join(root, template), template });
  const dirs = [
    "hello",
    "blinky",
    "sensor",
    "pubsub/publisher",
    "pubsub/subscriber",
    "health/watcher",
    "health/faulty",
  ];
  const built = await buildApps(dirs.map((d) => path.join(root, d)));
  built.apps.forEach((app, i) => (specs[dirs[i]!] = app.spec));
});

describe("templates under ocre run --virtual-time", () => {
  it("health: the watcher prints the faulty container's trap as the device would publish it", async () => {
    const run = await runContainers({
      containers: [specs["health/watcher"]!, specs["health/faulty"]!],
      virtualTime: true,
      durationMs: 5000,
    });
    const [watcher, faulty] = run.containers;
    // restart: on-failure: its second run (from 3.1 s) ticks once before the run ends at 5 s
    expect(faulty).toMatchObject({ status: "stopped", restarts: 1, stdout: "faulty: tick\n".repeat(4) });
    expect(run.exitCode).toBe(134);
    const name = faulty!.name;
    const lines = watcher!.stdout.trimEnd().split("\n");
    expect(lines).toEqual([
      `health: event=started container=${name} uptime_ms=0 run=1`,
      `health: event=trapped container=${name} uptime_ms=3000 ran_ms=3000 reason=unreachable`,
      `health: event=exited container=${name} uptime_ms=3000 code=134 ran_ms=3000 memory_bytes=1760 dropped=0`,
      `health: event=restarted container=${name} uptime_ms=3000 restarts=1 delay_ms=100`,
      `health: event=started container=${name} uptime_ms=3100 run=2`,
    ]);
    // Every event follows the one definition (cli/abi/health.ts), topics included.
    for (const h of run.health) {
      const parsed = parseHealth(h.payload);
      expect(parsed, h.payload).toBeDefined();
      expect(h.topic).toBe(healthTopic(parsed!.event, parsed!.container));
    }
    // The watcher waited for events: it woke once for "started", once for the trap, the exit and
    // the restart, which arrive together, and once for the second start (a 10 ms poll would
    // have woken it 500 times).
    expect(watcher!.stats.wakeups).toBe(3);
  });

  it("hello prints (built from its directory by `ocre run`)", async () => {
    const run = await runOcre(["run", "--virtual-time"], { cwd: path.join(root, "hello") });
    expect(run.stdout, run.stderr).toBe("Hello from an ocre container!");
    expect(run.exitCode).toBe(0);
  });

  it("runs the built image by reference (the app's OCI layout)", async () => {
    const run = await runOcre(["run", "hello:0.1.0", "--virtual-time"], { cwd: path.join(root, "hello") });
    expect(run.stdout, run.stderr).toBe("Hello from an ocre container!");
    expect(run.exitCode).toBe(0);
  });

  it("blinky toggles led0 exactly N times in N x its 500 ms period", async () => {
    const n = 40;
    const run = await runContainers({ containers: [specs.blinky!], virtualTime: true, durationMs: n * 500 });
    const led = run.gpio.filter((g) => g.alias === "led0");
    expect(led).toHaveLength(n);
    expect(led.map((g) => g.timeMs)).toEqual(Array.from({ length: n }, (_, i) => (i + 1) * 500));
    expect(run.warnings).toEqual([]);
    // run() waits for events (ocre:wait-v1): it wakes once per tick, not every 10 ms (2000).
    expect(run.containers[0]!.stats.wakeups).toBe(n);
  });

  it("sensor publishes only when the replayed trace crosses the threshold", async () => {
    const rows = [
      "time,sensor,channel,value",
      "0,temp0,ambient_temp,20",
      "10s,temp0,ambient_temp,40",
      "30s,temp0,ambient_temp,10",
      "50s,temp0,ambient_temp,40",
    ];
    const run = await runContainers({
      containers: [specs.sensor!],
      virtualTime: true,
      durationMs: 60_000,
      sensors: parseSensorTrace(rows.join("\n")),
      trace: true,
    });
    expect(run.warnings).toEqual([]);
    const reads = run.trace.filter((e) => e.call === "ocre_sensors_read");
    expect(reads).toHaveLength(60);
    // Moving average of 8 one-second samples: above 30 first at 14 s, below at 32 s, above again at 55 s.
    const publishes = run.trace.filter((e) => e.call === "ocre_publish_message");
    expect(publishes.map((e) => Math.floor(e.t / 1000))).toEqual([14, 55]);
  });

  it("warns about every series of a sensor trace that nothing reads (a misnamed sensor or channel)", async () => {
    const rows = [
      "time,sensor,channel,value",
      "0,temp0,ambient_temp,20",
      "0,temp0,humidity,50",
      "0,tmp0,ambient_temp,40",
    ];
    const run = await runContainers({
      containers: [specs.sensor!],
      virtualTime: true,
      durationMs: 3000,
      sensors: parseSensorTrace(rows.join("\n")),
    });
    expect(run.warnings.map((w) => w.message)).toEqual([
      'sensor trace: channel humidity of sensor "temp0" is never read (the containers read temp0/ambient_temp)',
      'sensor trace: sensor "tmp0" is never read (the containers read temp0/ambient_temp)',
    ]);
  });

  it("ocre run --sensors prints the unread-trace warning on stderr and still exits 0", async () => {
    const dir = path.join(root, "sensor");
    // The manifest's board is b_u585i_iot02a (first sensor die-temp0): temp0 is nobody's sensor.
    await writeFile(path.join(dir, "wrong.csv"), "time,sensor,channel,value\n0,temp0,ambient_temp,40\n");
    const run = await runOcre(["run", ".", "--virtual-time", "--duration", "2s", "--sensors", "wrong.csv"], {
      cwd: dir,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning.*sensor trace: sensor "temp0" is never read \(the containers read die-temp0\//);
  });

  it("ocre run --sensors replays a CSV trace into the sensor template", async () => {
    const dir = path.join(root, "sensor");
    // `ocre run .` simulates the manifest's board, b_u585i_iot02a: its first sensor is die-temp0.
    const csv = ["time,sensor,channel,value", "0,die-temp0,ambient_temp,20", "10s,die-temp0,ambient_temp,40"].join(
      "\n",
    );
    await writeFile(path.join(dir, "temps.csv"), `${csv}\n`);
    const args = [
      "run",
      ".",
      "--virtual-time",
      "--duration",
      "20s",
      "--sensors",
      "temps.csv",
      "--trace",
      "calls.jsonl",
    ];
    const run = await runOcre(args, { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    const calls = (await readFile(path.join(dir, "calls.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { t: number; call: string; result: number });
    const reads = calls.filter((c) => c.call === "ocre_sensors_read").map((c) => c.result);
    expect(reads).toContain(20);
    expect(reads).toContain(40);
    // The same crossing as the library run above: the 8-sample average passes 30 at 14 s.
    const publishes = calls.filter((c) => c.call === "ocre_publish_message");
    expect(publishes.map((c) => Math.floor(c.t / 1000))).toEqual([14]);
  });

  it("sensor alerts on 1000 threshold crossings without running out of memory", async () => {
    // 10 s at 40, 10 s at -5.25, 1000 times: the 8-sample average rises above 30 at the 7th
    // sample of each warm spell and falls back at the 2nd of each cold one. Formatting text per
    // alert with strings (toString, +) trapped after ~340 crossings with the stub runtime.
    const rows = ["time,sensor,channel,value"];
    for (let i = 0; i < 2000; i++) rows.push(`${i * 10}s,temp0,ambient_temp,${i % 2 ? 40 : -5.25}`);
    const run = await runContainers({
      containers: [specs.sensor!],
      virtualTime: true,
      durationMs: 20_000_000,
      sensors: parseSensorTrace(rows.join("\n")),
    });
    const [sensor] = run.containers;
    expect(sensor!.trap).toBeUndefined();
    expect(sensor!.stderr).toBe("");
    const lines = sensor!.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("sensor: watching sensor 0, alert above 30.0");
    const cycle = ["sensor: average 34.3 above threshold, alert published", "sensor: back below threshold"];
    expect(lines.slice(1)).toEqual(Array.from({ length: 1999 }, (_, i) => cycle[i % 2]));
    expect(sensor!.stats.messagesPublished).toBe(1000);
    expect(run.exitCode).toBe(0);
  });

  // The templates' own manifests (stub runtime, no GC, maxPages 2): only a subscriber and a
  // publisher that allocate nothing per message get this far (building strings per message ran
  // out of memory after ~315).
  it("pubsub delivers 2000 messages in order with none lost and no trap", async () => {
    const run = await runContainers({
      containers: [specs["pubsub/subscriber"]!, specs["pubsub/publisher"]!],
      virtualTime: true,
      durationMs: 2_000_500,
    });
    const [subscriber, publisher] = run.containers;
    expect(subscriber!.trap).toBeUndefined();
    expect(publisher!.trap).toBeUndefined();
    expect(subscriber!.stderr + publisher!.stderr).toBe("");
    const lines = subscriber!.stdout.trimEnd().split("\n");
    expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => `demo/counter = ${i + 1}`));
    expect(subscriber!.stats).toMatchObject({
      eventsDelivered: 2000,
      eventsOverflowed: 0,
      messagesDroppedNoHeap: 0,
      appHeapInUse: 0,
    });
    expect(publisher!.stats.messagesPublished).toBe(2000);
    expect(run.exitCode).toBe(0);
  });

  it("two containers each get their own timer id 1 and both work", async () => {
    const run = await runContainers({
      containers: [specs.blinky!, specs["pubsub/publisher"]!],
      virtualTime: true,
      durationMs: 3000,
      trace: true,
    });
    const creates = run.trace
      .filter((e) => e.call === "ocre_timer_create")
      .map((e) => [e.container, e.args[0], e.result]);
    expect(creates).toEqual([
      ["blinky", 1, 0],
      ["pubsub-publisher", 1, 0],
    ]);
    expect(run.gpio).toHaveLength(6);
    expect(run.trace.filter((e) => e.call === "ocre_publish_message")).toHaveLength(3);
  });
});

/**
 * The same templates on a simulated stock Ocre 0.7 device (`--runtime upstream-0.7`): one event
 * queue for all containers, global timer ids, copies made at publish time. They must survive it.
 */
describe("templates under ocre run --runtime upstream-0.7", () => {
  const upstream = { virtualTime: true, runtime: "upstream-0.7" } as const;

  it("hello prints, from the command line", async () => {
    const run = await runOcre(["run", "--virtual-time", "--runtime", "upstream-0.7"], {
      cwd: path.join(root, "hello"),
    });
    expect(run.stdout, run.stderr).toBe("Hello from an ocre container!");
    expect(run.exitCode).toBe(0);
  });

  it("refuses an unknown runtime, naming the choices", async () => {
    const run = await runOcre(["run", "--runtime", "upstream-0.6"], { cwd: path.join(root, "hello") });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("upstream-0.7");
  });

  it("blinky toggles led0 every 500 ms", async () => {
    const run = await runContainers({ ...upstream, containers: [specs.blinky!], durationMs: 20 * 500 });
    const led = run.gpio.filter((g) => g.alias === "led0");
    expect(led.map((g) => g.timeMs)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 500));
    expect(run.warnings).toEqual([]);
  });

  it("sensor publishes at the same crossings", async () => {
    const rows = ["time,sensor,channel,value", "0,temp0,ambient_temp,20", "10s,temp0,ambient_temp,40"];
    const run = await runContainers({
      ...upstream,
      containers: [specs.sensor!],
      durationMs: 30_000,
      sensors: parseSensorTrace(rows.join("\n")),
      trace: true,
    });
    const publishes = run.trace.filter((e) => e.call === "ocre_publish_message");
    expect(publishes.map((e) => Math.floor(e.t / 1000))).toEqual([14]);
  });

  it("pubsub delivers 500 messages in order through the shared queue", async () => {
    const run = await runContainers({
      ...upstream,
      containers: [specs["pubsub/subscriber"]!, specs["pubsub/publisher"]!],
      durationMs: 500_500,
    });
    const [subscriber] = run.containers;
    expect(subscriber!.trap).toBeUndefined();
    const lines = subscriber!.stdout.trimEnd().split("\n");
    expect(lines).toEqual(Array.from({ length: 500 }, (_, i) => `demo/counter = ${i + 1}`));
    expect(subscriber!.stats).toMatchObject({ eventsOverflowed: 0, messagesDroppedNoHeap: 0, appHeapInUse: 0 });
  });

  it("two containers: upstream's global timer ids give the second one id 2, and both work", async () => {
    const run = await runContainers({
      ...upstream,
      containers: [specs.blinky!, specs["pubsub/publisher"]!],
      durationMs: 3050,
      trace: true,
    });
    const creates = run.trace
      .filter((e) => e.call === "ocre_timer_create")
      .map((e) => [e.container, e.args[0], e.result]);
    expect(creates).toEqual([
      ["blinky", 1, 0],
      ["pubsub-publisher", 1, -16],
      ["pubsub-publisher", 2, 0],
    ]);
    // The shared queue delays an event while another container's is ahead of it: by at most
    // one idle poll (10 ms) here.
    const toggles = run.gpio.map((g) => g.timeMs);
    expect(toggles).toHaveLength(6);
    toggles.forEach((t, i) => expect(t - (i + 1) * 500).toBeGreaterThanOrEqual(0));
    toggles.forEach((t, i) => expect(t - (i + 1) * 500).toBeLessThanOrEqual(10));
    expect(run.trace.filter((e) => e.call === "ocre_publish_message")).toHaveLength(3);
  });
});
