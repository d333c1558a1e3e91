import { ERRNO } from "../abi/table.js";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";

const MAX_NAME_BYTES = 63;

/**
 * ocre_sensors_*: the run's sensors (board list plus replayed ones). A handle is the sensor's
 * index in discovery order (-EINVAL when there is none, -ENOENT for an unknown name, as
 * upstream); get_channel_type takes a channel index;
 * reads take a Zephyr channel type (what get_channel_type returns, as upstream's samples pass
 * it) and return the value as f64, or a negative errno as f64.
 */
export function sensorImports(c: Container): HostGroup {
  const sim = c.sim;
  const sensors = sim.sensors;
  /** A sensor's handle by name: -EINVAL for a bad string, -ENOENT for an unknown name. */
  const named = (ptr: number): number => {
    const name = c.memory.cString(ptr, MAX_NAME_BYTES);
    if (name === undefined) return -ERRNO.EINVAL;
    const handle = sensors.handleOf(name);
    return handle < 0 ? -ERRNO.ENOENT : handle;
  };
  const open = (handle: number) => (sensors.get(handle) ? 0 : -ERRNO.EINVAL);
  const handleOf = (handle: number) => (sensors.get(handle) ? handle : -ERRNO.EINVAL);
  const count = (handle: number) => sensors.get(handle)?.channels.length ?? -ERRNO.EINVAL;
  const type = (handle: number, index: number) => {
    const def = sensors.get(handle);
    if (!def) return -ERRNO.EINVAL;
    return def.channels[index]?.type ?? -ERRNO.EINVAL;
  };
  const read = (handle: number, channel: number) => {
    // The status also goes out of band (ocre:sensor-status-v1, see env-core.ts).
    if (!sensors.get(handle)) return (c.sensorStatus = -ERRNO.EINVAL);
    const value = sensors.read(handle, channel, sim.now());
    c.sensorStatus = value === undefined ? -ERRNO.EINVAL : 0;
    return value ?? -ERRNO.EINVAL;
  };
  const byName = (ptr: number, op: (handle: number) => number) => {
    const handle = named(ptr);
    return handle < 0 ? handle : op(handle);
  };
  return {
    ocre_sensors_init: () => 0,
    ocre_sensors_discover: () => sensors.sensors.length,
    ocre_sensors_open: open,
    ocre_sensors_get_handle: handleOf,
    ocre_sensors_get_channel_count: count,
    ocre_sensors_get_channel_type: type,
    ocre_sensors_read: read,
    ocre_sensors_open_by_name: (name: number) => byName(name, open),
    ocre_sensors_get_handle_by_name: (name: number) => byName(name, handleOf),
    ocre_sensors_get_channel_count_by_name: (name: number) => byName(name, count),
    ocre_sensors_get_channel_type_by_name: (name: number, index: number) => byName(name, (h) => type(h, index)),
    ocre_sensors_read_by_name: (name: number, channel: number) => {
      const handle = named(name);
      return handle < 0 ? (c.sensorStatus = handle) : read(handle, channel);
    },
    /** How many sensors' names start with the prefix, at most `max` (as the firmware). */
    ocre_sensors_get_list: (prefixPtr: number, max: number) => {
      const prefix = c.memory.cString(prefixPtr, MAX_NAME_BYTES);
      if (prefix === undefined || max <= 0) return -ERRNO.EINVAL;
      return Math.min(max, sensors.sensors.filter((s) => s.name.startsWith(prefix)).length);
    },
  };
}
