import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { boardsDir } from "../paths.js";
import { OcreError } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import { channelTypeOf } from "./sensor-channels.js";

export const DEFAULT_BOARD_ID = "mps2/an521/cpu0";

export interface GpioAlias {
  readonly alias: string;
  readonly port: number;
  readonly pin: number;
  readonly direction: "in" | "out";
}

export interface SensorChannel {
  readonly name: string;
  /** Zephyr `enum sensor_channel` value, what ocre_sensors_get_channel_type returns. */
  readonly type: number;
}

export interface SensorDef {
  readonly name: string;
  readonly channels: readonly SensorChannel[];
}

/** What the simulator needs from a board: its GPIO aliases and sensors. */
export interface Board {
  readonly id: string;
  readonly gpio: readonly GpioAlias[];
  readonly sensors: readonly SensorDef[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function directionOf(alias: string, declared: unknown): "in" | "out" {
  if (declared === "in" || declared === "input") return "in";
  if (declared === "out" || declared === "output") return "out";
  // Zephyr's conventional aliases: led*/pwm-led* drive, sw*/button* read.
  return /^(sw|button|btn)/i.test(alias) ? "in" : "out";
}

/**
 * Reads the GPIO aliases of a board file. Accepts a list of alias names or a map from alias to
 * { port, pin, direction }; aliases without numbers get consecutive pins on port 0, in order.
 */
function readGpio(doc: Json): GpioAlias[] {
  const raw = doc.aliases ?? doc.gpio ?? (isObject(doc.devicetree) ? doc.devicetree.aliases : undefined);
  const entries: [string, Json][] = [];
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (typeof item === "string") entries.push([item, {}]);
      else if (isObject(item) && typeof (item.alias ?? item.name) === "string")
        entries.push([String(item.alias ?? item.name), item]);
    }
  } else if (isObject(raw)) {
    for (const [alias, value] of Object.entries(raw)) entries.push([alias, isObject(value) ? value : {}]);
  }
  const gpio: GpioAlias[] = [];
  let nextPin = 0;
  for (const [alias, def] of entries) {
    // Only GPIO-like aliases; a board may list other devicetree aliases too.
    if (!/^(led|sw|button|btn|gpio|pwm-led|relay|out|in)/i.test(alias) && def.pin === undefined) continue;
    const port = typeof def.port === "number" ? def.port : 0;
    const pin = typeof def.pin === "number" ? def.pin : nextPin;
    nextPin = Math.max(nextPin, pin + 1);
    gpio.push({ alias, port, pin, direction: directionOf(alias, def.direction) });
  }
  return gpio;
}

function readSensors(doc: Json): SensorDef[] {
  const raw = doc.sensors;
  const sensors: SensorDef[] = [];
  const list: [string, unknown][] = Array.isArray(raw)
    ? raw.map((s) =>
        typeof s === "string"
          ? [s, undefined]
          : isObject(s)
            ? [String(s.name ?? s.alias ?? ""), s.channels]
            : ["", undefined],
      )
    : isObject(raw)
      ? Object.entries(raw).map(([name, v]) => [name, isObject(v) ? v.channels : v])
      : [];
  for (const [name, channels] of list) {
    if (!name) continue;
    const names = Array.isArray(channels) ? channels.map(String) : guessChannels(name);
    sensors.push({ name, channels: names.map((c) => ({ name: c, type: channelTypeOf(c) ?? 0 })) });
  }
  return sensors;
}

function guessChannels(sensor: string): string[] {
  if (/temp/i.test(sensor)) return ["ambient_temp"];
  if (/hum/i.test(sensor)) return ["humidity"];
  if (/press|baro/i.test(sensor)) return ["press"];
  if (/accel/i.test(sensor)) return ["accel_x", "accel_y", "accel_z"];
  if (/light|lux/i.test(sensor)) return ["light"];
  return ["ambient_temp"];
}

export function boardFromDocument(id: string, doc: unknown): Board {
  const d = isObject(doc) ? doc : {};
  return Object.freeze({ id, gpio: readGpio(d), sensors: readSensors(d) });
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

/**
 * Loads a board's simulator view from boards/<id>.yaml (the catalog) or from `extraDirs`
 * (an app's own boards/). The file is matched by its `id` field or by its path.
 */
export async function loadBoard(id: string, extraDirs: readonly string[] = []): Promise<Board> {
  const known: string[] = [];
  for (const dir of [...extraDirs, boardsDir]) {
    for (const file of await yamlFiles(dir)) {
      const doc: unknown = parse(await readFile(file, "utf8"));
      const rel = path
        .relative(dir, file)
        .replace(/\.ya?ml$/, "")
        .split(path.sep)
        .join("/");
      const fileId = isObject(doc) && typeof doc.id === "string" ? doc.id : rel;
      known.push(fileId);
      if (fileId === id || rel === id || rel === id.replaceAll("/", "_")) return boardFromDocument(fileId, doc);
    }
  }
  const suggestion = didYouMean(id, known);
  throw new OcreError("OCRE_BOARD_UNKNOWN", `no board "${id}"${suggestion ? `; ${suggestion}` : ""}`, {
    hint: "`ocre boards` lists the boards; an app can add its own under boards/",
  });
}
