// Prints every message whose topic starts with "demo/".
import { console, Message, messages, run, TextBuffer } from "ocre";

// The line is built in a buffer allocated once, from the received bytes in place: nothing is
// allocated per message, so the subscriber runs for ever within its memory limits.
const line = new TextBuffer(256);

if (
  messages.subscribe("demo/", (m: Message): void => {
    console.logText(line.clear().addCString(m.topicPtr).add(" = ").addBytes(m.dataPtr, m.length));
  }) < 0
) {
  console.error("subscriber: subscribe failed");
}

run();
