import { ABI_CONSTANTS, LIMITS } from "../abi/contract.js";

/**
 * The device limits the simulator enforces by default: the firmware's defaults, read from the
 * ABI contract (cli/abi/contract.ts, which also renders the Kconfig and the C headers). They can
 * be overridden per run, so a test can reproduce a board configured differently.
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
  /** Longest topic or content type in bytes (CONFIG_OCRE_MAX_TOPIC_SIZE). */
  readonly maxTopicBytes: number;
  /** GPIO pins a container may register callbacks on (CONFIG_OCRE_MAX_GPIO_CALLBACKS). */
  readonly maxGpioCallbacks: number;
}

export const DEFAULT_LIMITS: SimLimits = Object.freeze({
  eventQueueDepth: LIMITS.eventQueueDepth.default,
  maxTimers: LIMITS.maxTimers.default,
  maxSubscriptions: LIMITS.maxSubscriptions.default,
  maxMessageBytes: LIMITS.maxMessageBytes.default,
  maxTopicBytes: LIMITS.maxTopicBytes.default,
  maxGpioCallbacks: LIMITS.maxGpioCallbacks.default,
});

/** WAMR app heap when neither the container spec nor the caller says otherwise. */
export const DEFAULT_HEAP_BYTES = 16 * 1024;

/** Linear memory maximum for a module that declares none and has no spec. */
export const DEFAULT_MAX_PAGES = 256;

/** Interval limits of ocre_timer_start (ms). */
export const TIMER_MIN_MS = ABI_CONSTANTS.OCRE_TIMER_MIN_MS;
export const TIMER_MAX_MS = ABI_CONSTANTS.OCRE_TIMER_MAX_MS;

export const WASM_PAGE_BYTES = 65536;
