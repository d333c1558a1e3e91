// Publishes a counter on "demo/counter" every second.
import { console, Timer, messages, run } from "ocre";

const TOPIC = "demo/counter";
let counter = 0;

Timer.every(1000, (): void => {
  counter++;
  const rc = messages.publish(TOPIC, counter.toString());
  // -ENOENT (-2): no container subscribed yet; the subscriber may still be starting.
  if (rc < 0 && rc != -2) console.error("publisher: publish failed");
});

run();
