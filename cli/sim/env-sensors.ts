import { ERRNO } from "../abi/table.js";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";
import { GuestMemory } from "./memory.js";

const MAX_NAME_BYTES = 63;

/**
 * ocre_sensors_*: the run's sensors (board list plus replayed ones). A handle is the sensor's
 * index in discovery order; reads take a Zephyr channel type (what get_channel_type returns)
 * and return the value as f64, or a negative errno as f64.
 */
export function sensorImports(c: Container): HostGroup {
  const sim = c.sim;
  const sensors = sim.sensors;
  const named = (ptr: number): number => {
    const name = c.memory.cString(ptr, MAX_NAME_BYTES);
    return name === undefined ? -1 : sensors.handleOf(name);
  };
  const open = (handle: number) => (sensors.get(handle) ? 0 : -ERRNO.EINVAL);
  const handleOf = (handle: number) => (sensors.get(handle) ? handle : -ERRNO.EINVAL);
  const count = (handle: number) => sensors.get(handle)?.channels.length ?? -ERRNO.EINVAL;
  const type = (handle: number, index: number) => sensors.get(handle)?.channels[index]?.type ?? -ERRNO.EINVAL;
  const read = (handle: number, channel: number) => sensors.read(handle, channel, sim.now()) ?? -ERRNO.EINVAL;
  const byName = (ptr: number, op: (handle: number) => number) => {
    const handle = named(ptr);
    return handle < 0 ? -ERRNO.ENOENT : op(handle);
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
    ocre_sensors_read_by_name: (name: number, channel: number) => byName(name, (h) => read(h, channel)),
    /** Writes the sensor names, comma-separated and NUL-terminated, into buf[0..size); returns the count. */
    ocre_sensors_get_list: (buf: number, size: number) => {
      if (size <= 0 || !c.memory.inBounds(buf, size)) return -ERRNO.EINVAL;
      const text = GuestMemory.encode(sensors.sensors.map((s) => s.name).join(","));
      if (text.length + 1 > size) return -ERRNO.ENOMEM;
      c.memory.write(buf, text);
      c.memory.setU8(buf + text.length, 0);
      return sensors.sensors.length;
    },
  };
}
