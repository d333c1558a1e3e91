/**
 * Zephyr's `enum sensor_channel` values for the channels boards and traces name. Containers
 * see these numbers from ocre_sensors_get_channel_type and pass them to ocre_sensors_read.
 */
export const SENSOR_CHANNELS: Readonly<Record<string, number>> = Object.freeze({
  accel_x: 0,
  accel_y: 1,
  accel_z: 2,
  accel_xyz: 3,
  gyro_x: 4,
  gyro_y: 5,
  gyro_z: 6,
  gyro_xyz: 7,
  magn_x: 8,
  magn_y: 9,
  magn_z: 10,
  magn_xyz: 11,
  die_temp: 12,
  ambient_temp: 13,
  press: 14,
  prox: 15,
  humidity: 16,
  light: 17,
  ir: 18,
  red: 19,
  green: 20,
  blue: 21,
  altitude: 22,
});

/** Channel type of a name ("ambient_temp", "SENSOR_CHAN_AMBIENT_TEMP", "temp" or a number). */
export function channelTypeOf(name: string | number): number | undefined {
  if (typeof name === "number") return Number.isInteger(name) && name >= 0 ? name : undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const key = name.toLowerCase().replace(/^sensor_chan_/, "");
  if (key === "temp" || key === "temperature") return SENSOR_CHANNELS.ambient_temp;
  if (key === "pressure") return SENSOR_CHANNELS.press;
  return SENSOR_CHANNELS[key];
}
