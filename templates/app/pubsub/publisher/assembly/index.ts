// Publishes a counter on "demo/counter" every second.
import { console, Timer, messages, run, TextBuffer } from "ocre";

const TOPIC = "demo/counter";
let counter = 0;
// The payload is formatted into a buffer allocated once: nothing is allocated per message.
const payload = new TextBuffer(16);

Timer.every(1000, (): void => {
  counter++;
  const rc = messages.publishText(TOPIC, payload.clear().addInt(counter));
  // -ENOENT (-2): no container subscribed yet; the subscriber may still be starting.
  if (rc < 0 && rc != -2) console.error("publisher: publish failed");
});

run();
