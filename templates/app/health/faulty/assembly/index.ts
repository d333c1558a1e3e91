// A container that fails on purpose: it counts three ticks, then traps (unreachable). The
// runtime reports the trap on "ocre/health/trapped/<name>", which the watcher prints.
import { console, Timer, run } from "ocre";

let ticks = 0;

Timer.every(1000, (): void => {
  ticks++;
  console.log("faulty: tick");
  if (ticks == 3) unreachable();
});

run();
