// Samples a sensor every second, smooths the readings with a moving average and publishes the
// average when it crosses a threshold (once per crossing, not on every sample).
import { console, Sensor, TextBuffer, Timer, messages, run } from "ocre";

const SENSOR_INDEX = 0;
/** Which of the sensor's channels to watch (0: its first, e.g. the temperature of a temp sensor). */
const CHANNEL_INDEX = 0;
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
// Text is formatted into buffers allocated once (the average with one decimal, no f64
// formatting code): nothing is allocated per sample or per alert.
const alert = new TextBuffer(24);
const line = new TextBuffer(96);
const sensor = Sensor.open(SENSOR_INDEX);
const channel = sensor.ok ? sensor.channelType(CHANNEL_INDEX) : -1;
if (channel < 0) {
  console.errorText(line.clear().add("sensor: no sensor ").addInt(SENSOR_INDEX).add(" on this board"));
} else {
  Timer.every(SAMPLE_MS, (): void => {
    const value = sensor.read(channel);
    if (sensor.lastError != 0) return; // no sample this time (any value, -5.0 too, is a reading)
    const avg = average(value);
    if (!above && avg > THRESHOLD) {
      above = true;
      const rc = messages.publishText(TOPIC, alert.clear().addFixed(avg, 1), "text/plain");
      // -ENOENT (-2): published, but no container is subscribed to the topic.
      line.clear().add("sensor: average ").addBytes(alert.ptr, alert.length).add(" above threshold");
      console.logText(line.add(rc == 0 || rc == -2 ? ", alert published" : ", publish failed"));
    } else if (above && avg <= THRESHOLD) {
      above = false;
      console.log("sensor: back below threshold");
    }
  });
  console.logText(
    line.clear().add("sensor: watching sensor ").addInt(SENSOR_INDEX).add(", alert above ").addFixed(THRESHOLD, 1),
  );
  run();
}
