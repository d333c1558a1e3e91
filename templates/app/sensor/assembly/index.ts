// Samples a sensor every second, smooths the readings with a moving average and publishes the
// average when it crosses a threshold (once per crossing, not on every sample).
import { console, Channel, Sensor, Timer, messages, run } from "ocre";

const SENSOR_INDEX = 0;
const CHANNEL = Channel.AMBIENT_TEMP;
const THRESHOLD = 30.0;
const SAMPLE_MS = 1000;
const TOPIC = "sensors/temperature/alert";

/** Moving average over the last WINDOW samples, in a fixed buffer (no allocation per sample). */
const WINDOW = 8;
const samples = new StaticArray<f64>(WINDOW);
let count = 0;
let next = 0;
let sum = 0.0;

function average(value: f64): f64 {
  if (count == WINDOW) sum -= samples[next];
  else count++;
  samples[next] = value;
  sum += value;
  next = (next + 1) % WINDOW;
  return sum / <f64>count;
}

let above = false;
const sensor = Sensor.open(SENSOR_INDEX);
if (!sensor.ok) {
  console.error("sensor: no sensor " + SENSOR_INDEX.toString());
} else {
  Timer.every(SAMPLE_MS, (): void => {
    const value = sensor.read(CHANNEL);
    if (value < 0) return; // a negative errno: no sample this time
    const avg = average(value);
    if (!above && avg > THRESHOLD) {
      above = true;
      messages.publish(TOPIC, avg.toString(), "text/plain");
    } else if (above && avg <= THRESHOLD) {
      above = false;
    }
  });
  run();
}
