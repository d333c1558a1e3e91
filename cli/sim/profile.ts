import { DEFAULT_LIMITS, type SimLimits } from "./limits.js";
import { TRAP_EXIT_CODE } from "./signals.js";

/** Runtimes `ocre run --runtime` can imitate. */
export const RUNTIME_NAMES = ["ocre", "upstream-0.7"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/**
 * How the simulated runtime behaves where ocre's runtime and upstream Ocre 0.7 differ. "ocre"
 * is the firmware ocre generates; "upstream-0.7" reproduces a stock Ocre 0.7 device (Zephyr
 * build), defects included, so a developer sees before deploying whether an app survives one.
 * docs/compat.md lists every difference and why ocre fixes it.
 */
export interface RuntimeProfile {
  readonly name: RuntimeName;
  /**
   * One event queue for every container (upstream's ocre_event_queue): ocre_get_event answers
   * -EPERM while the oldest event belongs to another container, and a container that dies with
   * events queued blocks everybody's events for good.
   */
  readonly sharedEventQueue: boolean;
  /** Timer ids shared by all containers: an id another container holds answers -EBUSY. */
  readonly globalTimerIds: boolean;
  /** One subscription table for all containers (maxSubscriptions in total, not per container). */
  readonly globalSubscriptions: boolean;
  /** One event per matching subscription (duplicates when prefixes overlap), not per receiver. */
  readonly eventPerSubscription: boolean;
  /**
   * Message copies go into the receiver's app heap when published (upstream, from the
   * publisher's thread: the heap corruption ocre avoids), not when the receiver takes them.
   */
  readonly copyOnPublish: boolean;
  /** ocre_messaging_free_module_event_data frees any address and answers 0 (heap corruption). */
  readonly freeAnyAddress: boolean;
  /**
   * ocre_sleep of this many ms or more returns at once without sleeping (upstream on Zephyr
   * sleeps with usleep(), which refuses a second or more); undefined: every sleep is honoured.
   */
  readonly sleepRefusedFromMs: number | undefined;
  /** Exit code reported for a trap (upstream 0.7 reports WAMR's WASI exit code: 0). */
  readonly trapExitCode: number;
  /** ocre's extension handshake (ocre_register_dispatcher on OCRE_EXT_EVENT_TYPE) answers 0. */
  readonly extensions: boolean;
  /** Restart policies (ocre.yaml `restart`, io.ocre.restart) apply; upstream reads no such annotation. */
  readonly restartPolicies: boolean;
  readonly limits: SimLimits;
}

export const PROFILES: Readonly<Record<RuntimeName, RuntimeProfile>> = Object.freeze({
  ocre: Object.freeze({
    name: "ocre",
    sharedEventQueue: false,
    globalTimerIds: false,
    globalSubscriptions: false,
    eventPerSubscription: false,
    copyOnPublish: false,
    freeAnyAddress: false,
    sleepRefusedFromMs: undefined,
    trapExitCode: TRAP_EXIT_CODE,
    extensions: true,
    restartPolicies: true,
    limits: DEFAULT_LIMITS,
  }),
  "upstream-0.7": Object.freeze({
    name: "upstream-0.7",
    sharedEventQueue: true,
    globalTimerIds: true,
    globalSubscriptions: true,
    eventPerSubscription: true,
    copyOnPublish: true,
    freeAnyAddress: true,
    sleepRefusedFromMs: 1000,
    trapExitCode: 0,
    extensions: false,
    restartPolicies: false,
    // Upstream's Zephyr defaults; payloads and topics are bounded only by the receiver's heap
    // there, so the simulator's bounds are set far above anything an app heap holds.
    limits: Object.freeze({ ...DEFAULT_LIMITS, maxMessageBytes: 1 << 24, maxTopicBytes: 1 << 16 }),
  }),
});
