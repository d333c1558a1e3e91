/**
 * The ocre SDK for AssemblyScript containers: `import { console, Timer, Gpio, run } from "ocre"`.
 * The raw host functions are in ./bindings/env.ts (`import { ocre_sleep } from "ocre/bindings/env"`).
 */

// Must stay the first import: its top-level code reserves the WAMR app heap before anything
// else allocates (see heap.ts).
import "./heap";

export { console } from "./console";
export { sleep, exit, uptime } from "./system";
export { Errno } from "./errno";
export { CString } from "./cstring";
export { TextBuffer } from "./text";
export { EventType, poll, run, stop } from "./events";
export { Timer, TimerHandler } from "./timer";
export { Gpio, Direction, GpioHandler } from "./gpio";
export { Sensor, Channel } from "./sensor";
export { messages, Message, MessageHandler } from "./messages";
