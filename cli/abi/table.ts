/**
 * The Ocre container ABI as data: the one source that the SDK's tests, the validator, the host
 * simulator and the C shim's tests check against. Facts from ../shared/reference/ocre-abi.md
 * (upstream ocre-runtime 0.7.0): every Ocre call is imported from module "env"; console and
 * process services come from WASI preview 1.
 */

/** Ocre features a container can use; each maps to a Kconfig switch in the firmware. */
export type Feature = "core" | "timers" | "gpio" | "sensors" | "messaging";

/** Wasm value types that appear in the ABI. Pointers and handles are i32. */
export type ValType = "i32" | "i64" | "f64";

export interface AbiFunction {
  readonly module: "env";
  readonly name: string;
  /** WAMR native signature, e.g. "(i$)i": i i32, F f64, * checked pointer, $ checked C string. */
  readonly wamr: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly feature: Feature;
  /**
   * Capability that grants the call ("core" calls need none). Upstream's "ocre:api" grants
   * every feature, so upstream containers run unchanged; "timers", "gpio", "sensors" and
   * "messaging" are ocre's finer-grained grants.
   */
  readonly capability: Exclude<Feature, "core"> | null;
}

export interface WasiFunction {
  readonly module: "wasi_snapshot_preview1";
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export {
  CAPABILITIES,
  ERRNO,
  EVENT_TYPE,
  MAX_TOPIC_PREFIX_BYTES,
  UNAME_FIELD_BYTES,
  UNAME_FIELDS,
  type Capability,
} from "./contract.js";

/** Builds the Wasm signature from a WAMR signature string: every argument is an i32 except I/F. */
function fromWamr(wamr: string): { params: ValType[]; results: ValType[] } {
  const match = /^\(([^)]*)\)(.?)$/.exec(wamr);
  if (!match) throw new Error(`bad WAMR signature ${wamr}`);
  const letter = (c: string): ValType => (c === "F" ? "f64" : c === "I" ? "i64" : "i32");
  const params = [...(match[1] ?? "")].map(letter);
  const results = match[2] ? [letter(match[2])] : [];
  return { params, results };
}

function fn(name: string, wamr: string, feature: Feature): AbiFunction {
  const { params, results } = fromWamr(wamr);
  return Object.freeze({
    module: "env",
    name,
    wamr,
    params: Object.freeze(params),
    results: Object.freeze(results),
    feature,
    capability: feature === "core" ? null : feature,
  });
}

export const OCRE_ABI: readonly AbiFunction[] = Object.freeze([
  fn("uname", "(*)i", "core"),
  fn("ocre_sleep", "(i)i", "core"),
  fn("ocre_get_event", "(iiiiii)i", "core"),
  fn("ocre_register_dispatcher", "(i$)i", "core"),

  fn("ocre_timer_create", "(i)i", "timers"),
  fn("ocre_timer_delete", "(i)i", "timers"),
  fn("ocre_timer_start", "(iii)i", "timers"),
  fn("ocre_timer_stop", "(i)i", "timers"),
  fn("ocre_timer_get_remaining", "(i)i", "timers"),

  fn("ocre_publish_message", "(***i)i", "messaging"),
  fn("ocre_subscribe_message", "(*)i", "messaging"),
  fn("ocre_messaging_free_module_event_data", "(iii)i", "messaging"),

  fn("ocre_sensors_init", "()i", "sensors"),
  fn("ocre_sensors_discover", "()i", "sensors"),
  fn("ocre_sensors_open", "(i)i", "sensors"),
  fn("ocre_sensors_get_handle", "(i)i", "sensors"),
  fn("ocre_sensors_get_channel_count", "(i)i", "sensors"),
  fn("ocre_sensors_get_channel_type", "(ii)i", "sensors"),
  fn("ocre_sensors_read", "(ii)F", "sensors"),
  fn("ocre_sensors_open_by_name", "($)i", "sensors"),
  fn("ocre_sensors_get_handle_by_name", "($)i", "sensors"),
  fn("ocre_sensors_get_channel_count_by_name", "($)i", "sensors"),
  fn("ocre_sensors_get_channel_type_by_name", "($i)i", "sensors"),
  fn("ocre_sensors_read_by_name", "($i)F", "sensors"),
  fn("ocre_sensors_get_list", "($i)i", "sensors"),

  fn("ocre_gpio_init", "()i", "gpio"),
  fn("ocre_gpio_configure", "(iii)i", "gpio"),
  fn("ocre_gpio_pin_set", "(iii)i", "gpio"),
  fn("ocre_gpio_pin_get", "(ii)i", "gpio"),
  fn("ocre_gpio_pin_toggle", "(ii)i", "gpio"),
  fn("ocre_gpio_register_callback", "(ii)i", "gpio"),
  fn("ocre_gpio_unregister_callback", "(ii)i", "gpio"),
  fn("ocre_gpio_configure_by_name", "($i)i", "gpio"),
  fn("ocre_gpio_set_by_name", "($i)i", "gpio"),
  fn("ocre_gpio_get_by_name", "($)i", "gpio"),
  fn("ocre_gpio_toggle_by_name", "($)i", "gpio"),
  fn("ocre_gpio_register_callback_by_name", "($)i", "gpio"),
  fn("ocre_gpio_unregister_callback_by_name", "($)i", "gpio"),
]);

function wasi(name: string, params: ValType[], results: ValType[] = ["i32"]): WasiFunction {
  return Object.freeze({
    module: "wasi_snapshot_preview1",
    name,
    params: Object.freeze(params),
    results: Object.freeze(results),
  });
}

/**
 * The WASI preview 1 functions both our runtimes (firmware shim, host simulator) provide. The
 * firmware's minimal WASI answers ENOSYS for the ones marked so in the shim; they are still
 * importable so that wasi-libc containers link and run.
 */
export const WASI_FUNCTIONS: readonly WasiFunction[] = Object.freeze([
  wasi("fd_write", ["i32", "i32", "i32", "i32"]),
  wasi("fd_read", ["i32", "i32", "i32", "i32"]),
  wasi("fd_close", ["i32"]),
  wasi("fd_seek", ["i32", "i64", "i32", "i32"]),
  wasi("fd_fdstat_get", ["i32", "i32"]),
  wasi("fd_fdstat_set_flags", ["i32", "i32"]),
  wasi("fd_prestat_get", ["i32", "i32"]),
  wasi("fd_prestat_dir_name", ["i32", "i32", "i32"]),
  wasi("proc_exit", ["i32"], []),
  wasi("clock_time_get", ["i32", "i64", "i32"]),
  wasi("clock_res_get", ["i32", "i32"]),
  wasi("random_get", ["i32", "i32"]),
  wasi("args_sizes_get", ["i32", "i32"]),
  wasi("args_get", ["i32", "i32"]),
  wasi("environ_sizes_get", ["i32", "i32"]),
  wasi("environ_get", ["i32", "i32"]),
  wasi("sched_yield", []),
  wasi("poll_oneoff", ["i32", "i32", "i32", "i32"]),
  // The filesystem calls of upstream's filesystem samples (ocre-sdk generic/filesystem*): files
  // under preopened directories (`ocre run --dir`; CONFIG_OCRE_WASI_FS on the device).
  wasi("fd_tell", ["i32", "i32"]),
  wasi("fd_filestat_get", ["i32", "i32"]),
  wasi("fd_readdir", ["i32", "i32", "i32", "i64", "i32"]),
  wasi("fd_renumber", ["i32", "i32"]),
  wasi("path_open", ["i32", "i32", "i32", "i32", "i32", "i64", "i64", "i32", "i32"]),
  wasi("path_filestat_get", ["i32", "i32", "i32", "i32", "i32"]),
  wasi("path_create_directory", ["i32", "i32", "i32"]),
  wasi("path_unlink_file", ["i32", "i32", "i32"]),
  wasi("path_remove_directory", ["i32", "i32", "i32"]),
]);

const byKey = new Map<string, AbiFunction | WasiFunction>(
  [...OCRE_ABI, ...WASI_FUNCTIONS].map((f) => [`${f.module}.${f.name}`, f]),
);

/** Looks up an import by module and name; undefined when neither runtime provides it. */
export function findImport(module: string, name: string): AbiFunction | WasiFunction | undefined {
  return byKey.get(`${module}.${name}`);
}

/** All importable names, "module.name", for "did you mean" suggestions. */
export function knownImportNames(): string[] {
  return [...byKey.keys()];
}

/** Whether a container holding `capabilities` may make the call. */
export function isCallAllowed(fnDef: AbiFunction, capabilities: readonly string[]): boolean {
  if (fnDef.capability === null) return true;
  return capabilities.includes("ocre:api") || capabilities.includes(fnDef.capability);
}

/** Formats a signature for messages: "(i32, i32) -> i32". */
export function formatSignature(params: readonly ValType[], results: readonly ValType[]): string {
  return `(${params.join(", ")}) -> ${results.length === 0 ? "()" : results.join(", ")}`;
}
