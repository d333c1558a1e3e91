import type { Board, SensorDef } from "./board.js";
import { SENSOR_CHANNELS } from "./sensor-channels.js";
import type { SensorSample, SensorTrace } from "./sensor-trace.js";

/** Base, amplitude and period (ms) of the synthetic signal per channel type. */
function synthetic(channel: number, handle: number, t: number): number {
  const C = SENSOR_CHANNELS;
  const wave = (base: number, amplitude: number, period: number) =>
    Math.round((base + amplitude * Math.sin((2 * Math.PI * t) / period + handle)) * 1000) / 1000;
  switch (channel) {
    case C.ambient_temp:
    case C.die_temp:
      return wave(22, 3, 60_000);
    case C.humidity:
      return wave(45, 10, 300_000);
    case C.press:
      return wave(101.3, 0.5, 600_000);
    case C.accel_z:
      return wave(9.81, 0.05, 1_000);
    case C.light:
      return wave(300, 200, 120_000);
    default:
      return wave(0, 1, 10_000);
  }
}

/**
 * The sensors of a run: the board's list plus any sensor a replayed trace names. Values are
 * replayed (the latest sample at or before the current app time; the first sample before it)
 * or synthetic: smooth deterministic waves, the same on every run.
 */
export class SensorModel {
  readonly sensors: SensorDef[];
  private readonly series = new Map<string, SensorSample[]>();

  constructor(board: Board, trace: SensorTrace | undefined) {
    this.sensors = board.sensors.map((s) => ({ name: s.name, channels: [...s.channels] }));
    for (const sample of trace?.samples ?? []) {
      let def = this.sensors.find((s) => s.name === sample.sensor);
      if (!def) {
        def = { name: sample.sensor, channels: [] };
        this.sensors.push(def);
      }
      if (!def.channels.some((c) => c.type === sample.channel)) {
        const name =
          Object.entries(SENSOR_CHANNELS).find(([, v]) => v === sample.channel)?.[0] ?? String(sample.channel);
        (def.channels as { name: string; type: number }[]).push({ name, type: sample.channel });
      }
      const key = `${sample.sensor}\u0000${sample.channel}`;
      const list = this.series.get(key) ?? [];
      list.push(sample);
      this.series.set(key, list);
    }
  }

  /** The series containers read, as "sensor\0channel type" (see unreadTrace). */
  private readonly reads = new Set<string>();

  /**
   * The trace's series no container read, each as a sentence naming the sensor, the channel and
   * what the containers did read: a misnamed sensor or channel in a trace is otherwise silently
   * replaced by synthetic values.
   */
  unreadTrace(): string[] {
    const channelName = (type: number) =>
      Object.entries(SENSOR_CHANNELS).find(([, v]) => v === type)?.[0] ?? String(type);
    const label = (key: string) => {
      const [sensor = "", type = ""] = key.split("\u0000");
      return `${sensor}/${channelName(Number(type))}`;
    };
    const read = [...this.reads].map(label).sort();
    const readText = read.length > 0 ? `the containers read ${read.join(", ")}` : "no container read a sensor";
    const unread: string[] = [];
    for (const [key, samples] of this.series) {
      if (this.reads.has(key)) continue;
      const { sensor, channel } = samples[0]!;
      const sensorRead = [...this.reads].some((k) => k.startsWith(`${sensor}\u0000`));
      unread.push(
        sensorRead
          ? `sensor trace: channel ${channelName(channel)} of sensor "${sensor}" is never read (${readText})`
          : `sensor trace: sensor "${sensor}" is never read (${readText})`,
      );
    }
    return unread;
  }

  handleOf(name: string): number {
    return this.sensors.findIndex((s) => s.name === name);
  }

  get(handle: number): SensorDef | undefined {
    return Number.isInteger(handle) && handle >= 0 ? this.sensors[handle] : undefined;
  }

  /** Value of channel type `channel` at app time t; undefined when the sensor lacks the channel. */
  read(handle: number, channel: number, t: number): number | undefined {
    const def = this.get(handle);
    if (!def || !def.channels.some((c) => c.type === channel)) return undefined;
    this.reads.add(`${def.name}\u0000${channel}`);
    const samples = this.series.get(`${def.name}\u0000${channel}`);
    if (!samples || samples.length === 0) return synthetic(channel, handle, t);
    let lo = 0;
    let hi = samples.length - 1;
    if (samples[0]!.timeMs > t) return samples[0]!.value;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (samples[mid]!.timeMs <= t) lo = mid;
      else hi = mid - 1;
    }
    return samples[lo]!.value;
  }
}
