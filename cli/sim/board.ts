import { findBoard, loadCatalog } from "../boards/catalog.js";
import type { Board as CatalogBoard } from "../boards/types.js";
import { DEFAULT_BOARD } from "../boards/zephyr.js";
import { channelTypeOf } from "./sensor-channels.js";

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

/** Zephyr's conventional aliases: sw*, button* are inputs; led* and the rest drive outputs. */
function directionOf(alias: string): "in" | "out" {
  return /^(sw|button|btn)/i.test(alias) ? "in" : "out";
}

/** Channels of a sensor the board lists by name only (temp0, humidity0, accel0, …). */
function channelsOf(sensor: string): string[] {
  if (/hum/i.test(sensor)) return ["humidity"];
  if (/press|baro/i.test(sensor)) return ["press"];
  if (/accel/i.test(sensor)) return ["accel_x", "accel_y", "accel_z"];
  if (/light|lux/i.test(sensor)) return ["light"];
  return ["ambient_temp"];
}

/**
 * The simulator's view of a catalog board. The catalog lists devicetree aliases by name; the
 * simulator gives them consecutive pins on port 0 in the order listed (led0 = 0.0, led1 = 0.1,
 * …), which is what containers addressing pins by port/pin see here.
 */
export function simBoard(id: string, aliases: readonly string[], sensors: readonly string[]): Board {
  return Object.freeze({
    id,
    gpio: aliases.map((alias, pin) => ({ alias, port: 0, pin, direction: directionOf(alias) })),
    sensors: sensors.map((name) => ({
      name,
      channels: channelsOf(name).map((c) => ({ name: c, type: channelTypeOf(c)! })),
    })),
  });
}

function fromCatalogBoard(board: CatalogBoard): Board {
  return simBoard(board.id, board.aliases, board.sensors);
}

export interface LoadBoardOptions {
  /** The app directory whose boards/ folder may define or override boards. */
  readonly appDir?: string;
  readonly boardRoots?: readonly string[];
}

/** Loads a board from the catalog by id or Zephyr target (default: the default board). */
export async function loadBoard(id: string = DEFAULT_BOARD, options: LoadBoardOptions = {}): Promise<Board> {
  const catalog = await loadCatalog({ appDir: options.appDir, boardRoots: options.boardRoots });
  return fromCatalogBoard(findBoard(catalog, id).board);
}
