import { readFile } from "node:fs/promises";
import { OcreError } from "../errors.js";
import { parseDuration } from "./duration.js";
import { channelTypeOf } from "./sensor-channels.js";

export interface SensorSample {
  readonly timeMs: number;
  readonly sensor: string;
  /** Zephyr channel type. */
  readonly channel: number;
  readonly value: number;
}

/** Recorded sensor values; a read returns the latest sample at or before the current app time. */
export interface SensorTrace {
  readonly samples: readonly SensorSample[];
}

function bad(source: string, message: string): OcreError {
  return new OcreError("OCRE_RUN_SENSOR_TRACE", `${source}: ${message}`, {
    hint: 'CSV with header "time,sensor,channel,value" (e.g. `1s,temp0,ambient_temp,21.5`) or a JSON array of { "t", "sensor", "channel", "value" }',
  });
}

function sample(source: string, t: unknown, sensor: unknown, channel: unknown, value: unknown): SensorSample {
  const channelType = channelTypeOf(String(channel ?? "ambient_temp"));
  if (channelType === undefined) throw bad(source, `unknown channel "${String(channel)}"`);
  const v = Number(value);
  if (!Number.isFinite(v)) throw bad(source, `value "${String(value)}" is not a number`);
  if (typeof sensor !== "string" || sensor === "") throw bad(source, "missing sensor name");
  return { timeMs: parseDuration(String(t ?? 0), `${source} time`), sensor, channel: channelType, value: v };
}

/** Parses a CSV (header time,sensor,channel,value) or JSON sensor trace. */
export function parseSensorTrace(text: string, source = "sensor trace"): SensorTrace {
  const samples: SensorSample[] = [];
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (error) {
      throw bad(source, `invalid JSON (${(error as Error).message})`);
    }
    (doc as Record<string, unknown>[]).forEach((e, i) => {
      samples.push(sample(`${source} entry ${i + 1}`, e.t ?? e.time, e.sensor, e.channel, e.value));
    });
  } else {
    const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
    const header = (lines.shift() ?? "").split(",").map((h) => h.trim().toLowerCase());
    const col = (name: string, alt: string) => (header.indexOf(name) >= 0 ? header.indexOf(name) : header.indexOf(alt));
    const [ti, si, ci, vi] = [col("time", "t"), col("sensor", "name"), col("channel", "chan"), col("value", "v")];
    if (ti < 0 || si < 0 || vi < 0) throw bad(source, `header "${header.join(",")}" lacks time, sensor or value`);
    lines.forEach((line, i) => {
      const cells = line.split(",").map((c) => c.trim());
      samples.push(sample(`${source}:${i + 2}`, cells[ti], cells[si], ci >= 0 ? cells[ci] : undefined, cells[vi]));
    });
  }
  samples.sort((a, b) => a.timeMs - b.timeMs);
  return { samples };
}

export async function loadSensorTrace(file: string): Promise<SensorTrace> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new OcreError("OCRE_RUN_FILE", `cannot read sensor trace ${file}: ${error.code ?? error.message}`);
  });
  return parseSensorTrace(text, file);
}
