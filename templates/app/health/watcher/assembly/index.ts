// Watches the device's health: every event the runtime publishes on "ocre/health/" (a
// container started, exited, trapped, was restarted or killed, or lost events to a full
// queue), one line each: "event=trapped container=<name> uptime_ms=... reason=...".
import { console, Message, messages, run, TextBuffer } from "ocre";

// Built in a buffer allocated once, from the received bytes in place: no allocation per event.
const line = new TextBuffer(256);

if (
  messages.subscribe("ocre/health/", (m: Message): void => {
    console.logText(line.clear().add("health: ").addBytes(m.dataPtr, m.length));
  }) < 0
) {
  console.error("watcher: subscribe failed");
}

run();
