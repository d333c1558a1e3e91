import { ocre_timer_create, ocre_timer_delete, ocre_timer_get_remaining, ocre_timer_start, ocre_timer_stop } from "./bindings/env";
import { Errno } from "./errno";
import { countHandlers, setTimerDispatcher } from "./events";

/** Highest id tried when picking a free timer id automatically. */
// @ts-ignore: decorator
@inline const MAX_AUTO_ID: i32 = 32;

/** Called with the id of the timer that fired (AssemblyScript has no recursive function types). */
export type TimerHandler = (id: i32) => void;

// @ts-ignore: decorator
@lazy let timers: Timer | null = null;
// @ts-ignore: decorator
@lazy let nextId: i32 = 1;

function dispatchTimer(id: u32): void {
  let t = timers;
  while (t) {
    if (<u32>t.id == id) {
      const h = t.handler;
      if (h) h(t.id);
      return;
    }
    t = t.next;
  }
}

/**
 * A host timer. Its handler runs from the event loop (run()/poll()), never from an interrupt.
 *
 *     const t = new Timer();
 *     t.onTick((): void => console.log("tick"));
 *     t.start(500, true);
 */
export class Timer {
  /** Timer id, 1..the runtime's per-container maximum. */
  readonly id: i32;
  /** 0, or the negative errno from creating the timer (e.g. -EBUSY when the id is taken). */
  readonly status: i32;
  /** @internal */ handler: TimerHandler | null = null;
  /** @internal */ next: Timer | null = null;

  /**
   * Creates the timer with `id`, or with the next unused id when `id` is 0. Upstream Ocre
   * shares timer ids between containers (defect 3), so an automatic id that another container
   * holds (-EBUSY) is skipped.
   */
  constructor(id: i32 = 0) {
    let status: i32;
    if (id > 0) {
      status = ocre_timer_create(id);
      if (id >= nextId) nextId = id + 1;
    } else {
      do {
        id = nextId++;
        status = ocre_timer_create(id);
      } while (status == -Errno.EBUSY && id < MAX_AUTO_ID);
    }
    this.id = id;
    this.status = status;
    this.next = timers;
    timers = this;
    setTimerDispatcher(dispatchTimer);
  }

  /** A periodic timer already started: `Timer.every(1000, handler)`. */
  static every(ms: i32, handler: TimerHandler): Timer {
    const t = new Timer().onTick(handler);
    t.start(ms, true);
    return t;
  }

  /** A one-shot timer already started. */
  static after(ms: i32, handler: TimerHandler): Timer {
    const t = new Timer().onTick(handler);
    t.start(ms, false);
    return t;
  }

  /** Sets the function called each time the timer fires; returns the timer. */
  onTick(handler: TimerHandler): Timer {
    if (!this.handler) countHandlers(1);
    this.handler = handler;
    return this;
  }

  /** Starts (or restarts) the timer: first tick after `ms` (1..65535), then every `ms` if periodic. */
  start(ms: i32, periodic: bool = false): i32 {
    return ocre_timer_start(this.id, ms, periodic ? 1 : 0);
  }

  stop(): i32 {
    return ocre_timer_stop(this.id);
  }

  /** Milliseconds until the next tick, or a negative errno. */
  remaining(): i32 {
    return ocre_timer_get_remaining(this.id);
  }

  /** Deletes the host timer; the object must not be used afterwards. */
  delete(): i32 {
    if (this.handler) countHandlers(-1);
    this.handler = null;
    if (timers === this) {
      timers = this.next;
    } else {
      let t = timers;
      while (t) {
        if (t.next === this) {
          t.next = this.next;
          break;
        }
        t = t.next;
      }
    }
    return ocre_timer_delete(this.id);
  }
}
