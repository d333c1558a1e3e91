import {
  ocre_register_dispatcher,
  ocre_sensors_discover,
  ocre_sensors_get_channel_count,
  ocre_sensors_get_channel_count_by_name,
  ocre_sensors_get_channel_type,
  ocre_sensors_get_channel_type_by_name,
  ocre_sensors_get_handle_by_name,
  ocre_sensors_init,
  ocre_sensors_open,
  ocre_sensors_open_by_name,
  ocre_sensors_read,
  ocre_sensors_read_by_name,
} from "./bindings/env";
import { CString } from "./cstring";
import { Extension } from "./errno";

/** Common channel types (Zephyr's enum sensor_channel), for Sensor.read(). */
export namespace Channel {
  export const ACCEL_X: i32 = 0;
  export const ACCEL_Y: i32 = 1;
  export const ACCEL_Z: i32 = 2;
  export const GYRO_X: i32 = 4;
  export const GYRO_Y: i32 = 5;
  export const GYRO_Z: i32 = 6;
  export const MAGN_X: i32 = 8;
  export const MAGN_Y: i32 = 9;
  export const MAGN_Z: i32 = 10;
  export const DIE_TEMP: i32 = 12;
  export const AMBIENT_TEMP: i32 = 13;
  export const PRESS: i32 = 14;
  export const PROX: i32 = 15;
  export const HUMIDITY: i32 = 16;
  export const LIGHT: i32 = 17;
}

// @ts-ignore: decorator
@lazy let discovered: i32 = -1;

/** Initialises the sensor subsystem and discovers sensors once; returns the count or -errno. */
function discover(): i32 {
  if (discovered < 0) {
    const rc = ocre_sensors_init();
    discovered = rc < 0 ? rc : ocre_sensors_discover();
  }
  return discovered;
}

/**
 * A sensor, opened by index (0..Sensor.count()-1) or by its device name.
 *
 *     const s = Sensor.openByName("TEMP_0");
 *     const celsius = s.read(Channel.AMBIENT_TEMP);
 */
export class Sensor {
  /** Sensor index (upstream: id == handle), or -1 when opened by a name that was not found. */
  readonly id: i32;
  /** The name as a C string, for sensors opened by name. */
  readonly name: CString | null;
  /** 0, or the negative errno from opening the sensor. */
  readonly status: i32;
  /**
   * 0, or the negative errno of the last read(). On ocre's runtime it comes out of band, so
   * every reading (-1.0, -2.0, -5.0 included) is a value; on upstream's it is read from the
   * value itself (see isError).
   */
  lastError: i32 = 0;

  constructor(id: i32, name: CString | null, status: i32) {
    this.id = id;
    this.name = name;
    this.status = status;
  }

  /** Number of sensors the runtime discovered, or a negative errno. */
  static count(): i32 {
    return discover();
  }

  /** Every discovered sensor, opened. */
  static list(): Sensor[] {
    const n = discover();
    const all = new Array<Sensor>(0);
    for (let i = 0; i < n; i++) all.push(Sensor.open(i));
    return all;
  }

  /** Opens sensor `id` (0-based index). */
  static open(id: i32): Sensor {
    const n = discover();
    return new Sensor(id, null, n < 0 ? n : ocre_sensors_open(id));
  }

  /** Opens the sensor whose device name is `name`. */
  static openByName(name: string): Sensor {
    discover();
    const c = new CString(name);
    const handle = ocre_sensors_get_handle_by_name(c.ptr);
    return new Sensor(handle < 0 ? -1 : handle, c, ocre_sensors_open_by_name(c.ptr));
  }

  /** Whether open succeeded. */
  get ok(): bool {
    return this.status == 0;
  }

  channelCount(): i32 {
    const name = this.name;
    return name ? ocre_sensors_get_channel_count_by_name(name.ptr) : ocre_sensors_get_channel_count(this.id);
  }

  /** The channel type (see Channel) at `index` (0..channelCount()-1). */
  channelType(index: i32): i32 {
    const name = this.name;
    return name ? ocre_sensors_get_channel_type_by_name(name.ptr, index) : ocre_sensors_get_channel_type(this.id, index);
  }

  /**
   * Whether a value read() returned is an error: upstream returns a negative errno as the value
   * (-1 EPERM, -2 ENOENT, -5 EIO, -19 ENODEV, -22 EINVAL). A reading of exactly one of those
   * values is indistinguishable from the error; the ABI offers no other signal.
   */
  static isError(value: f64): bool {
    return value == -1 || value == -2 || value == -5 || value == -19 || value == -22;
  }

  /**
   * Reads a fresh sample of channel type `channel`. Check lastError: 0 means the value is a
   * reading, whatever it is; otherwise the read failed (the value is then the negative errno).
   */
  read(channel: i32): f64 {
    const name = this.name;
    const value = name ? ocre_sensors_read_by_name(name.ptr, channel) : ocre_sensors_read(this.id, channel);
    // ocre's out-of-band status ("ocre:sensor-status-v1"): SENSOR_STATUS_BASE + errno of this
    // read on ocre's runtime and `ocre run`; upstream answers -EINVAL.
    const status = ocre_register_dispatcher(Extension.EVENT_TYPE, Extension.SENSOR_STATUS_V1_C);
    const base = Extension.SENSOR_STATUS_BASE;
    this.lastError = status >= base ? base - status : Sensor.isError(value) ? <i32>value : 0;
    return value;
  }
}
