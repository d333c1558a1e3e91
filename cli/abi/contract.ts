/**
 * The Ocre ABI contract as data: error values, event types, capability bits and limits. With the
 * import table (table.ts) this is the one source of every fact a container can observe. The C
 * headers, the ABI table of the shim, the Kconfig limits and the SDK's constants are rendered
 * from it by generate.ts (`npm run gen:abi`); test/abi-generated.test.ts fails when a checked-in
 * copy is stale. The simulator imports it directly.
 *
 * Defaults are upstream Ocre 0.7's Zephyr build (project-ocre/ocre-runtime zephyr/Kconfig and
 * src/runtime/wamr-wasip1/ocre_api/) unless `upstream` says how and why ocre differs; each such
 * difference is listed in docs/compat.md.
 */

/**
 * Error values the Ocre calls return, negated. Upstream's numbers (Linux/newlib numbering), not
 * the C library's of the target, which differ (ENOMSG is 35 in Zephyr's minimal libc).
 */
export const ERRNO = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENOMEM: 12,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOSYS: 38,
  ENOMSG: 42,
} as const);
export type ErrnoName = keyof typeof ERRNO;

/** Resource types of ocre_get_event and ocre_register_dispatcher (upstream's ocre_resource_type_t). */
export const EVENT_TYPE = Object.freeze({ timer: 0, gpio: 1, sensor: 2, message: 3 } as const);

/**
 * ocre's extensions, which a container opts into so that upstream apps keep upstream's codes.
 * The handshake is a call upstream answers -EINVAL without side effect:
 * ocre_register_dispatcher(OCRE_EXT_EVENT_TYPE, "<extension>") answers 0 on ocre's runtime.
 * "ocre:errno-v1": a publish that reached no queue because every subscriber's queue was full
 * answers -EBUSY, and one whose payload exceeds OCRE_MAX_MESSAGE_SIZE answers -ENOMEM; without
 * it both answer -ENOENT, as upstream (where "no subscriber" and "queue full" look the same).
 */
export const EXTENSIONS = Object.freeze({
  OCRE_EXT_EVENT_TYPE: 0x6f637265,
  OCRE_EXT_ERRNO_V1: "ocre:errno-v1",
  /** ocre_sleep returns as soon as an event is pending; ocre_sleep(-1) waits for one. */
  OCRE_EXT_WAIT_V1: "ocre:wait-v1",
  /** Prefix of "ocre:gpio-line-v1:<alias>": answers the line the alias names as (port << 16) | pin, or -ENODEV. */
  OCRE_EXT_GPIO_LINE_V1: "ocre:gpio-line-v1:",
  /**
   * Answers OCRE_SENSOR_STATUS_BASE + errno of the container's last sensor read (BASE alone: it
   * succeeded), so that every reading, -5.0 included, is a value.
   */
  OCRE_EXT_SENSOR_STATUS_V1: "ocre:sensor-status-v1",
  OCRE_SENSOR_STATUS_BASE: 1000,
} as const);

/**
 * Capability names a container may hold, in bit order (bit i of the firmware's container
 * metadata). Upstream recognises only "ocre:api" (the whole API) and its runtime options;
 * "timers", "gpio", "sensors" and "messaging" are ocre's finer grants, each of which maps to
 * what a stock Ocre runtime needs (`upstream`). Unknown strings are rejected by the manifest.
 */
export const CAPABILITIES = [
  "ocre:api",
  "timers",
  "gpio",
  "sensors",
  "messaging",
  "ocre:shared_heap",
  "networking",
  "filesystem",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface CapabilityDef {
  readonly name: Capability;
  /** Bit in struct ocre_container_meta.capabilities. */
  readonly bit: number;
  /** OCRE_CAP_<...> */
  readonly macro: string;
  /** What to pass to an upstream runtime for the same grant. */
  readonly upstream: string;
  readonly help: string;
}

const CAPABILITY_INFO: Readonly<Record<Capability, { macro: string; upstream: string; help: string }>> = {
  "ocre:api": { macro: "API", upstream: "ocre:api", help: "the whole Ocre API, as upstream" },
  timers: { macro: "TIMERS", upstream: "ocre:api", help: "ocre_timer_*" },
  gpio: { macro: "GPIO", upstream: "ocre:api", help: "ocre_gpio_*" },
  sensors: { macro: "SENSORS", upstream: "ocre:api", help: "ocre_sensors_*" },
  messaging: { macro: "MESSAGING", upstream: "ocre:api", help: "ocre_publish_message and friends" },
  "ocre:shared_heap": { macro: "SHARED_HEAP", upstream: "ocre:shared_heap", help: "upstream's shared heap" },
  networking: { macro: "NETWORKING", upstream: "networking", help: "WASI sockets" },
  filesystem: { macro: "FILESYSTEM", upstream: "filesystem", help: "WASI files in preopened directories" },
};

export const CAPABILITY_DEFS: readonly CapabilityDef[] = Object.freeze(
  CAPABILITIES.map((name, bit) => {
    const info = CAPABILITY_INFO[name];
    return Object.freeze({ name, bit, macro: `OCRE_CAP_${info.macro}`, upstream: info.upstream, help: info.help });
  }),
);

/**
 * The capabilities to give a stock Ocre runtime for the same grants: ocre's fine-grained API
 * grants become "ocre:api" (upstream's only API capability), the others pass through. Sorted,
 * without duplicates.
 */
export function upstreamCapabilities(capabilities: readonly string[]): string[] {
  const byName = new Map<string, string>(CAPABILITY_DEFS.map((c) => [c.name, c.upstream]));
  return [...new Set(capabilities.map((c) => byName.get(c) ?? c))].sort();
}

/**
 * A limit of the runtime. Every limit is a ranged Kconfig option on Zephyr (CONFIG_<kconfig>),
 * a -D override elsewhere (<macro>), and a default for the simulator (`sim`, when it has one).
 */
export interface LimitDef {
  /** Kconfig symbol without CONFIG_; the C macro is the same name. */
  readonly symbol: string;
  readonly prompt: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly help: string;
  /** Where the value comes from upstream, and why ours differs when it does. */
  readonly upstream: string;
  /** Zephyr port only (the portable core never reads it): no C default is generated. */
  readonly zephyrOnly?: boolean;
}

export const LIMITS = Object.freeze({
  maxContainers: limit({
    symbol: "OCRE_MAX_CONTAINERS",
    prompt: "Maximum number of containers",
    default: 2,
    min: 1,
    max: 16,
    help: "Container table size. Each container has its own native thread.",
    upstream: "no fixed table upstream (containers are allocated at run time)",
  }),
  maxTimers: limit({
    symbol: "OCRE_MAX_TIMERS",
    prompt: "Timer ids per container (1..N)",
    default: 8,
    min: 1,
    max: 32,
    help: "Timer ids a container may create: 1..OCRE_MAX_TIMERS; another id answers -EINVAL.",
    upstream: "CONFIG_OCRE_MAX_TIMERS, default 8 (5 on Linux); upstream's ids are global, ours per container",
  }),
  maxSubscriptions: limit({
    symbol: "OCRE_MAX_SUBSCRIPTIONS",
    prompt: "Topic subscriptions per container",
    default: 16,
    min: 1,
    max: 64,
    help: "Topic-prefix subscriptions a container may hold; one more answers -ENOMEM.",
    upstream:
      "CONFIG_OCRE_MESSAGING_MAX_SUBSCRIPTIONS, default 16 (32 on Linux), shared by all containers; ours per container",
  }),
  eventQueueDepth: limit({
    symbol: "OCRE_EVENT_QUEUE_DEPTH",
    prompt: "Event queue depth per container",
    default: 32,
    min: 2,
    max: 1024,
    help:
      "Events (timer, GPIO, message) waiting for ocre_get_event. When full, new events are dropped, counted " +
      "and logged once per run; a publish that reaches no queue answers -ENOENT, as upstream.",
    upstream: "SIZE_OCRE_EVENT_BUFFER 32, one queue shared by all containers; ours one per container",
  }),
  maxMessageBytes: limit({
    symbol: "OCRE_MAX_MESSAGE_SIZE",
    prompt: "Largest message payload in bytes",
    default: 4096,
    min: 1,
    max: 65536,
    help:
      "Largest payload ocre_publish_message copies. A larger one is not delivered (-ENOENT, as upstream " +
      "answers when no receiver's app heap can hold the copy).",
    upstream: "no fixed limit upstream: the receiver's app heap bounds it",
  }),
  maxTopicBytes: limit({
    symbol: "OCRE_MAX_TOPIC_SIZE",
    prompt: "Longest topic and content type in bytes",
    default: 1023,
    min: 63,
    max: 4095,
    help: "Longest topic or content type a publisher may send, without the NUL; a longer one answers -EINVAL.",
    upstream: "no fixed limit upstream (strlen on the guest's memory)",
  }),
  maxGpioCallbacks: limit({
    symbol: "OCRE_MAX_GPIO_CALLBACKS",
    prompt: "GPIO callbacks per container",
    default: 32,
    min: 1,
    max: 64,
    help: "Pins a container may register callbacks on; one more answers -ENOMEM.",
    upstream: "CONFIG_OCRE_GPIO_MAX_PINS, default 32, shared by all containers",
  }),
  wamrHeapPoolBytes: limit({
    symbol: "OCRE_WAMR_HEAP_POOL_SIZE",
    prompt: "WAMR heap pool in bytes",
    default: 98304,
    min: 16384,
    max: 16777216,
    help:
      "One static pool for WAMR: loaded modules, instances, linear memories, app heaps, execution stacks and " +
      "message copies. A container's linear memory counts in whole 64 KiB pages.",
    upstream: "upstream allocates from the system heap (CONFIG_HEAP_MEM_POOL_ADD_SIZE_OCRE, 32 KiB minimum)",
  }),
  watchdogMs: limit({
    symbol: "OCRE_WATCHDOG_MS",
    prompt: "Watchdog in ms (0 = off)",
    default: 5000,
    min: 0,
    max: 3600000,
    help:
      "A container that runs this long without a host call (the Ocre API or WASI) is terminated from the " +
      "supervisor thread; the others keep running. Needs WAMR's thread manager, which the module then builds in.",
    upstream: "no watchdog upstream",
  }),
  containerThreadStackBytes: limit({
    symbol: "OCRE_CONTAINER_THREAD_STACK_SIZE",
    prompt: "Native stack of each container thread in bytes",
    default: 8192,
    min: 2048,
    max: 65536,
    help: "Zephyr thread stack of each container (WAMR's interpreter and the host calls run on it).",
    upstream: "upstream: dynamic threads (CONFIG_DYNAMIC_THREAD)",
    zephyrOnly: true,
  }),
  containerThreadPriority: limit({
    symbol: "OCRE_CONTAINER_THREAD_PRIORITY",
    prompt: "Priority of the container threads",
    default: 7,
    min: 0,
    max: 15,
    help: "Preemptible Zephyr priority of every container thread.",
    upstream: "upstream: the POSIX API's default",
    zephyrOnly: true,
  }),
} as const satisfies Record<string, LimitDef>);
export type LimitKey = keyof typeof LIMITS;

function limit(def: LimitDef): LimitDef {
  if (def.default < def.min || def.default > def.max) throw new Error(`${def.symbol}: default out of range`);
  return Object.freeze(def);
}

/**
 * Fixed facts of the ABI (not configurable): the sizes a container lays out its buffers by and
 * the ranges upstream checks.
 */
export const ABI_CONSTANTS = Object.freeze({
  /** Longest subscription prefix kept, in bytes without the NUL: upstream truncates longer ones. */
  OCRE_MAX_PREFIX_BYTES: 63,
  /** Longest device, sensor or export name taken from a container. */
  OCRE_MAX_NAME_BYTES: 63,
  /** uname: 6 fields of 80 bytes (upstream's layout; its SDK header's 65 is wrong). */
  OCRE_UNAME_FIELD_BYTES: 80,
  OCRE_UNAME_FIELDS: 6,
  /** Timer interval range of ocre_timer_start, in ms (upstream keeps it in 16 bits). */
  OCRE_TIMER_MIN_MS: 1,
  OCRE_TIMER_MAX_MS: 65535,
} as const);

/** Bytes per uname field and field count. */
export const UNAME_FIELD_BYTES = ABI_CONSTANTS.OCRE_UNAME_FIELD_BYTES;
export const UNAME_FIELDS = ABI_CONSTANTS.OCRE_UNAME_FIELDS;
/** Longest subscription prefix, in bytes, excluding the NUL (longer ones are truncated). */
export const MAX_TOPIC_PREFIX_BYTES = ABI_CONSTANTS.OCRE_MAX_PREFIX_BYTES;

/**
 * WASI argv[0] of a container, as upstream Ocre 0.7 on Zephyr passes it: the image's path under
 * its default working directory (CONFIG_OCRE_DEFAULT_WORKING_DIRECTORY "/lfs/ocre").
 */
export function argv0(containerName: string): string {
  return `/lfs/ocre/images/${containerName}.wasm`;
}

/** uname's sysname: upstream's "Project Ocre (<OS>)". */
export const UNAME_SYSNAME = "Project Ocre (Zephyr)";

/** Exit codes a runtime reports for containers that did not exit by themselves. */
export const EXIT_CODES = Object.freeze({
  /** The module trapped (like SIGABRT). Upstream 0.7 reports 0 (WAMR's WASI exit code). */
  OCRE_EXIT_TRAP: 134,
  /** Stopped by the watchdog or by ocre_container_stop (like SIGKILL). */
  OCRE_EXIT_KILLED: 137,
} as const);

/**
 * Restart back-off (restart: on-failure | always): the n-th consecutive quick failure waits
 * BASE << (n - 1) ms, capped at MAX; a run of STABLE ms or more resets the count (as Docker and
 * systemd do). The device (ocre_container.c) and the simulator (cli/sim/restart.ts) use these.
 */
export const RESTART_BACKOFF = Object.freeze({
  OCRE_BACKOFF_BASE_MS: 100,
  OCRE_BACKOFF_MAX_MS: 30_000,
  OCRE_BACKOFF_STABLE_MS: 10_000,
} as const);
