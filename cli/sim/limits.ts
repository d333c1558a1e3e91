/**
 * The device limits the simulator enforces by default. They mirror the firmware's Kconfig
 * defaults (CONFIG_OCRE_EVENT_QUEUE_DEPTH, CONFIG_OCRE_MAX_TIMERS, CONFIG_OCRE_MAX_SUBSCRIPTIONS)
 * and can be overridden per run, so a test can reproduce a board configured differently.
 */
export interface SimLimits {
  /** Events a container's queue holds before new ones are dropped (and counted). */
  readonly eventQueueDepth: number;
  /** Timer ids per container: 1..maxTimers. */
  readonly maxTimers: number;
  /** Topic-prefix subscriptions per container. */
  readonly maxSubscriptions: number;
  /** Largest message payload in bytes (CONFIG_OCRE_MAX_MESSAGE_SIZE). */
  readonly maxMessageBytes: number;
  /** GPIO pins a container may register callbacks on (CONFIG_OCRE_MAX_GPIO_CALLBACKS). */
  readonly maxGpioCallbacks: number;
}

/** The firmware's Kconfig defaults (zephyr-module/Kconfig). */
export const DEFAULT_LIMITS: SimLimits = Object.freeze({
  eventQueueDepth: 16,
  maxTimers: 4,
  maxSubscriptions: 4,
  maxMessageBytes: 1024,
  maxGpioCallbacks: 4,
});

/** WAMR app heap when neither the container spec nor the caller says otherwise. */
export const DEFAULT_HEAP_BYTES = 16 * 1024;

/** Linear memory maximum for a module that declares none and has no spec. */
export const DEFAULT_MAX_PAGES = 256;

/** Interval limits of ocre_timer_start (ms). */
export const TIMER_MIN_MS = 1;
export const TIMER_MAX_MS = 65535;

export const WASM_PAGE_BYTES = 65536;
