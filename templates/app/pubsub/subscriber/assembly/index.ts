// Prints every message whose topic starts with "demo/".
import { console, Message, messages, run } from "ocre";

if (messages.subscribe("demo/", (m: Message): void => {
  console.log(m.topic() + " = " + m.text());
}) < 0) {
  console.error("subscriber: subscribe failed");
}

run();
