// The container's main: top-level code runs once when the runtime starts the container.
import { console } from "ocre";

console.log("Hello from an ocre container!");
