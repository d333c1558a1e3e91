import type { SimLimits } from "./limits.js";
import type { RuntimeName } from "./profile.js";
import type { Board } from "./board.js";
import type { GpioScriptStep } from "./gpio-script.js";
import type { SensorTrace } from "./sensor-trace.js";
import type { PreopenDir } from "./wasi-fs.js";
import type { RestartPolicy } from "../spec.js";

/**
 * One container to run. A ContainerSpec from the build pipeline fits this shape as is; a bare
 * .wasm needs only a name and its bytes.
 */
export interface ContainerInput {
  readonly name: string;
  readonly wasm: Uint8Array;
  /** Capability strings (see docs/architecture.md); default none beyond the core calls. */
  readonly capabilities?: readonly string[];
  /** GPIO allow-list (ocre.yaml `gpio`: aliases or "port:pin"); default per the capability. */
  readonly gpio?: readonly string[] | undefined;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly memory?: { readonly heapBytes?: number; readonly maxPages?: number };
  /**
   * What ends restart it (ocre.yaml `restart`), with the device's back-off: "no" (default),
   * "on-failure" (a non-zero exit code or a trap) or "always". Never after the run's own end
   * (--duration, --timeout); the upstream-0.7 profile ignores it (upstream reads no
   * io.ocre.restart).
   */
  readonly restart?: RestartPolicy;
}

export interface RunOptions {
  readonly containers: readonly ContainerInput[];
  /** Simulated clock that jumps to the next due event (deterministic). Default: real time. */
  readonly virtualTime?: boolean;
  /** Stop containers still running after this much app time (or wall time); they fail (exit 124). */
  readonly timeoutMs?: number;
  /** Run for this much app time, then stop the containers still running without failing them. */
  readonly durationMs?: number;
  /** Board model: GPIO aliases and sensors. Default: the default board. */
  readonly board?: Board;
  /** Input pin changes over time (--gpio-script). */
  readonly gpioScript?: readonly GpioScriptStep[];
  /** Recorded sensor values to replay instead of synthetic ones (--sensors). */
  readonly sensors?: SensorTrace;
  /**
   * Record every host call (--trace): `true` keeps them in the result's `trace`; a function
   * receives each entry as it happens instead (long runs: stream them to a file).
   */
  readonly trace?: boolean | ((entry: TraceEntry) => void);
  /**
   * Preopened directories (--dir), the same for every container: fd 3, 4, … in this order.
   * Host folders must exist (runContainers checks them); guest paths are absolute.
   */
  readonly dirs?: readonly PreopenDir[];
  /** Seed for random_get; default: fixed in virtual time, random in real time. */
  readonly seed?: number;
  readonly limits?: Partial<SimLimits>;
  /**
   * Which runtime to imitate (--runtime): "ocre" (default, the firmware ocre generates) or
   * "upstream-0.7" (a stock Ocre 0.7 device, defects included; see docs/compat.md).
   */
  readonly runtime?: RuntimeName;
  /** Live notifications (output, GPIO changes, warnings, exits), in app-time order. */
  readonly onEvent?: (event: SimEvent) => void;
  /**
   * Ends the run early (`ocre run --watch` after an edit, or Ctrl-C): the containers still
   * running are stopped as by --duration (status "stopped", exit 0). Checked between slices
   * of container code; a container that computes without ever sleeping is not interrupted.
   */
  readonly signal?: AbortSignal;
  /**
   * Output kept per container and stream for the result (default 1 MiB); beyond it the rest
   * is still passed to onEvent but not kept, and the kept text ends with a truncation notice.
   */
  readonly maxOutputBytes?: number;
  /** Host calls kept in the result's trace when `trace: true` (default 1,000,000). */
  readonly maxTraceEntries?: number;
}

export type ContainerStatus = "exited" | "trapped" | "timeout" | "stopped";

export interface TrapInfo {
  /** "unreachable", "out-of-bounds memory access", "integer divide by zero", "stack overflow", … */
  readonly kind: string;
  readonly message: string;
  /** Wasm function that trapped, from the module's name section (when it has one). */
  readonly function: string | undefined;
}

export interface ContainerStats {
  readonly eventsDelivered: number;
  /** Returns from ocre_sleep: the times the container woke (the device's "wakeups"). */
  readonly wakeups: number;
  /** Events dropped because the queue was full (device: counted overflow). */
  readonly eventsOverflowed: number;
  readonly messagesPublished: number;
  /** Messages dropped because the receiver's app heap could not hold the copies. */
  readonly messagesDroppedNoHeap: number;
  /** App-heap bytes still allocated when the container ended (message copies not freed). */
  readonly appHeapInUse: number;
}

export interface ContainerResult {
  readonly name: string;
  readonly status: ContainerStatus;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly trap: TrapInfo | undefined;
  /** App time (ms) at which the container ended (its last run, with a restart policy). */
  readonly endedAtMs: number;
  /** Times the restart policy restarted it; status, exit code and trap are its last run's. */
  readonly restarts: number;
  readonly stats: ContainerStats;
}

export interface GpioChange {
  readonly timeMs: number;
  /** Container that drove the pin; undefined for script-driven inputs. */
  readonly container: string | undefined;
  readonly port: number;
  readonly pin: number;
  /** Board alias of the pin, when it has one. */
  readonly alias: string | undefined;
  readonly level: 0 | 1;
}

export interface TraceEntry {
  /** App time in ms. */
  readonly t: number;
  readonly container: string;
  readonly call: string;
  readonly args: readonly (number | string)[];
  readonly result: number | string | null;
}

export interface SimWarning {
  readonly timeMs: number;
  readonly container: string | undefined;
  readonly message: string;
}

export type SimEvent =
  | { readonly type: "stdout" | "stderr"; readonly timeMs: number; readonly container: string; readonly text: string }
  | ({ readonly type: "gpio" } & GpioChange)
  | ({ readonly type: "warning" } & SimWarning)
  | { readonly type: "exit"; readonly timeMs: number; readonly container: string; readonly result: ContainerResult }
  | {
      readonly type: "restart";
      readonly timeMs: number;
      readonly container: string;
      readonly policy: RestartPolicy;
      /** This restart's number (1 for the first) and its back-off. */
      readonly restarts: number;
      readonly delayMs: number;
    };

export interface RunResult {
  /** The first failing run's exit code (in app-time order, restarted runs included), else 0. */
  readonly exitCode: number;
  readonly containers: readonly ContainerResult[];
  readonly gpio: readonly GpioChange[];
  /** Health events the run published (ocre/health/..., cli/abi/health.ts), in order. */
  readonly health: readonly { readonly timeMs: number; readonly topic: string; readonly payload: string }[];
  /** Every host call, with `trace: true` (empty when tracing to a function or not at all). */
  readonly trace: readonly TraceEntry[];
  readonly warnings: readonly SimWarning[];
  /** App time when the run ended (ms). */
  readonly appTimeMs: number;
  readonly wallTimeMs: number;
  /** Part of wallTimeMs spent preparing the modules (instrumentation, instantiation). */
  readonly loadWallMs: number;
  readonly virtualTime: boolean;
}
