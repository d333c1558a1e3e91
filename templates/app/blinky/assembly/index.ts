// Blinks the board's led0 (a devicetree alias) from a periodic timer.
import { console, Direction, Gpio, Timer, exit, run } from "ocre";

const PERIOD_MS = 500;

const led = Gpio.byName("led0");
if (led.configure(Direction.Output) < 0) {
  // Nothing to blink: say so and end with a failure instead of toggling nothing forever.
  console.error("blinky: no led0 on this board (needs a led0 devicetree alias)");
  exit(1);
}

Timer.every(PERIOD_MS, (): void => {
  led.toggle();
});

console.log("blinky: toggling led0");
// Waits for timer events and calls the handler; sleeps in between.
run();
