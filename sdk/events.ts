import { ocre_get_event, ocre_register_dispatcher, ocre_sleep } from "./bindings/env";
import { Extension } from "./errno";

/** Resource types `ocre_get_event` reports (upstream numbering). */
export namespace EventType {
  export const TIMER: u32 = 0;
  export const GPIO: u32 = 1;
  export const SENSOR: u32 = 2;
  export const MESSAGE: u32 = 3;
}

/** The six u32 out-values of ocre_get_event (type, id, port, state, extra, payload_len). */
// @ts-ignore: decorator
@lazy const ev: usize = memory.data(24, 4);

// @ts-ignore: decorator
@inline const NO_EVENT: u32 = 0xffffffff;

// Each feature installs its dispatcher when first used, so an app that never touches, say,
// messaging does not link the messaging code or import its host functions.
// @ts-ignore: decorator
@lazy let timerDispatcher: ((id: u32) => void) | null = null;
// @ts-ignore: decorator
@lazy let gpioDispatcher: ((port: u32, pin: u32, state: u32) => void) | null = null;
// @ts-ignore: decorator
@lazy let messageDispatcher: ((id: u32, topic: usize, contentType: usize, payload: usize, length: u32) => void) | null = null;

/** Registered handlers (timer ticks, pin changes, subscriptions); run() returns when none are left. */
// @ts-ignore: decorator
@lazy let handlerCount: i32 = 0;

/** For the SDK's features: install the function that handles timer events. */
export function setTimerDispatcher(f: (id: u32) => void): void {
  timerDispatcher = f;
}

/** For the SDK's features: install the function that handles GPIO events. */
export function setGpioDispatcher(f: (port: u32, pin: u32, state: u32) => void): void {
  gpioDispatcher = f;
}

/** For the SDK's features: install the function that handles message events. */
export function setMessageDispatcher(f: (id: u32, topic: usize, contentType: usize, payload: usize, length: u32) => void): void {
  messageDispatcher = f;
}

/** For the SDK's features: a handler was added (+1) or removed (-1). */
export function countHandlers(delta: i32): void {
  handlerCount += delta;
}

// @ts-ignore: decorator
@lazy let running = false;

/** 1: ocre_sleep returns when an event is queued (ocre's runtime); 0: it does not; -1: not asked yet. */
// @ts-ignore: decorator
@lazy let wakesOnEvents: i32 = -1;

/**
 * Asks the runtime once whether it wakes a sleeping container for its events (ocre's extension
 * handshake "ocre:wait-v1", docs/shim.md; upstream answers -EINVAL).
 */
export function runtimeWakesOnEvents(): bool {
  if (wakesOnEvents < 0) wakesOnEvents = ocre_register_dispatcher(Extension.EVENT_TYPE, Extension.WAIT_V1_C) == 0 ? 1 : 0;
  return wakesOnEvents == 1;
}

/**
 * Takes every pending event and calls its handler. Returns how many events it handled.
 * Never blocks and never allocates.
 */
export function poll(): i32 {
  let handled = 0;
  for (;;) {
    // Upstream returns 0 for a sensor event without writing the out-values: never let the
    // previous event's type (say, a message, whose copies are already freed) be seen again.
    store<u32>(ev, NO_EVENT);
    if (ocre_get_event(ev, ev + 4, ev + 8, ev + 12, ev + 16, ev + 20) != 0) break;
    handled++;
    const type = load<u32>(ev);
    const id = load<u32>(ev, 4);
    if (type == EventType.TIMER) {
      const f = timerDispatcher;
      if (f) f(id);
    } else if (type == EventType.GPIO) {
      const f = gpioDispatcher;
      if (f) f(load<u32>(ev, 8), id, load<u32>(ev, 12));
    } else if (type == EventType.MESSAGE) {
      const f = messageDispatcher;
      if (f) f(id, load<u32>(ev, 8), load<u32>(ev, 12), load<u32>(ev, 16), load<u32>(ev, 20));
    }
  }
  return handled;
}

/**
 * The event loop: polls, dispatches, and waits whenever nothing is pending. On ocre's runtime
 * it waits for the container's next event with no time limit (the `ocre:wait-v1` extension: an
 * idle container never wakes); on upstream's, which lacks it, it sleeps `idleMs` between
 * polls (like upstream's C SDK, 10 ms by default). The same module runs on both: the
 * handshake uses only upstream's imports. Returns after stop(), or at once when no handler is
 * registered (nothing could ever happen).
 */
export function run(idleMs: i32 = 10): void {
  running = true;
  const wait = runtimeWakesOnEvents() ? -1 : idleMs;
  while (running && handlerCount > 0) {
    if (poll() == 0) ocre_sleep(wait);
    // The "minimal" runtime collects only when asked: here, between events, no handler's
    // locals are on the stack, so everything still in use is reachable from globals.
    // @ts-ignore: defined by the build for runtime: minimal
    else if (isDefined(OCRE_COLLECT_BETWEEN_EVENTS)) __collect();
  }
  running = false;
}

/** Makes run() return once the events already pending are handled. */
export function stop(): void {
  running = false;
}
