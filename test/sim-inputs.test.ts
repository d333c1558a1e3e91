import { describe, expect, it } from "vitest";
import { parseDuration } from "../cli/sim/duration.js";
import { parseGpioScript } from "../cli/sim/gpio-script.js";
import { parseSensorTrace } from "../cli/sim/sensor-trace.js";
import { simBoard } from "../cli/sim/board.js";
import { runContainers } from "../cli/sim/run.js";
import { compileWat } from "./sim-fixtures.js";

describe("run inputs", () => {
  it("parses durations with units", () => {
    expect([
      parseDuration("250ms"),
      parseDuration("10s"),
      parseDuration("1.5m"),
      parseDuration("24h"),
      parseDuration("40"),
    ]).toEqual([250, 10_000, 90_000, 86_400_000, 40]);
    expect(() => parseDuration("soon", "--timeout")).toThrow(/--timeout "soon" is not a duration/);
  });

  it("reads GPIO scripts as text or JSON, in time order", () => {
    expect(parseGpioScript("# presses\n2s sw0 high\n500ms 0.3 1\n1s sw0 0 # release\n")).toEqual([
      { timeMs: 500, pin: "0.3", level: 1 },
      { timeMs: 1000, pin: "sw0", level: 0 },
      { timeMs: 2000, pin: "sw0", level: 1 },
    ]);
    expect(parseGpioScript('[{"t": "1s", "pin": "sw1", "level": "on"}]')).toEqual([
      { timeMs: 1000, pin: "sw1", level: 1 },
    ]);
    expect(() => parseGpioScript("1s sw0 maybe", "presses.txt")).toThrow(/presses.txt:1: level "maybe"/);
    expect(() => parseGpioScript("1s sw0", "presses.txt")).toThrow(/presses.txt:1: expected "<time> <pin> <level>"/);
  });

  it("reads sensor traces as CSV or JSON, with Zephyr channel names", () => {
    const csv = parseSensorTrace("time,sensor,channel,value\n2s,hum0,humidity,40\n1s,temp0,ambient_temp,21.5\n");
    expect(csv.samples).toEqual([
      { timeMs: 1000, sensor: "temp0", channel: 13, value: 21.5 },
      { timeMs: 2000, sensor: "hum0", channel: 16, value: 40 },
    ]);
    const json = parseSensorTrace('[{"t": 0, "sensor": "accel0", "channel": "accel_z", "value": 9.8}]');
    expect(json.samples).toEqual([{ timeMs: 0, sensor: "accel0", channel: 2, value: 9.8 }]);
    expect(() => parseSensorTrace("time,sensor,channel,value\n1s,temp0,warmth,3", "t.csv")).toThrow(
      /t.csv:2: unknown channel "warmth"/,
    );
    expect(() => parseSensorTrace("when,what\n1,2", "t.csv")).toThrow(/lacks time, sensor or value/);
  });

  it("gives board sensors synthetic values that are the same on every run", async () => {
    const wasm = await compileWat(`(module
      (import "env" "ocre_sensors_read_by_name" (func $read (param i32 i32) (result f64)))
      (import "env" "ocre_sensors_discover" (func $discover (result i32)))
      (import "env" "ocre_sleep" (func $sleep (param i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "temp0\\00")
      (func (export "_start") (local $i i32)
        (drop (call $discover))
        (loop $l
          (drop (call $read (i32.const 16) (i32.const 13)))
          (drop (call $sleep (i32.const 5000)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 6))))))`);
    const board = simBoard("test-board", ["led0"], ["temp0"]);
    const options = {
      containers: [{ name: "s", wasm, capabilities: ["sensors"] }],
      virtualTime: true,
      board,
      trace: true,
    };
    const values = (await runContainers(options)).trace
      .filter((e) => e.call === "ocre_sensors_read_by_name")
      .map((e) => e.result as number);
    expect(values).toHaveLength(6);
    // A slow wave around a room temperature: it moves, and stays plausible.
    expect(new Set(values).size).toBeGreaterThan(3);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(19);
      expect(v).toBeLessThanOrEqual(25);
    }
    const again = (await runContainers(options)).trace
      .filter((e) => e.call === "ocre_sensors_read_by_name")
      .map((e) => e.result);
    expect(again).toEqual(values);
    expect((await runContainers(options)).trace.find((e) => e.call === "ocre_sensors_discover")?.result).toBe(1);
  });
});
