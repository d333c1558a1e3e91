import { AppHeap } from "./app-heap.js";
import { EventQueue } from "./event-queue.js";
import { publishHealth, reportOverflow } from "./health.js";
import { GuestMemory } from "./memory.js";
import type { InstrumentedModule } from "./instrument.js";
import type { Simulation } from "./simulation.js";
import type { TimelineItem } from "./timeline.js";
import type { ContainerResult, ContainerStatus, TrapInfo } from "./types.js";
import type { RestartPolicy } from "../spec.js";
import type { WasmExports, WasmInstance, WasmMemory } from "./wasm-api.js";

export interface ContainerTimer {
  interval: number;
  periodic: boolean;
  dueAt: number;
  item: TimelineItem | undefined;
}

interface AsyncifyExports {
  asyncify_start_unwind(addr: number): void;
  asyncify_stop_unwind(): void;
  asyncify_start_rewind(addr: number): void;
  asyncify_stop_rewind(): void;
}

/**
 * One running container: its instance and memory, its app heap, event queue, timers and
 * subscriptions, and its captured output. A container runs until it suspends (sleep), exits,
 * traps or is stopped; the Simulation decides when it runs next.
 */
export class Container {
  readonly queue: EventQueue;
  readonly timers = new Map<number, ContainerTimer>();
  /** Subscribed topic prefixes (UTF-8 bytes decoded as latin1, so matching is a string prefix test). */
  readonly subscriptions: string[] = [];
  readonly dispatchers = new Map<number, string>();
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** UTF-16 code units kept per stream so far (the cap is on these). */
  private readonly kept = { stdout: 0, stderr: 0 };
  readonly truncated = { stdout: false, stderr: false };
  readonly warned = new Set<string>();
  readonly stats = { eventsDelivered: 0, wakeups: 0, messagesPublished: 0, messagesDroppedNoHeap: 0 };
  /** Opted into ocre:wait-v1: ocre_sleep returns as soon as an event is queued. */
  extWait = false;
  /** Suspended in an ocre_sleep that an event ends (ocre:wait-v1). */
  waitingForEvent = false;
  /** Suspended (not running): an event may make it ready. */
  suspended = false;
  /** The timeline item that ends the current suspension, if it has a time limit. */
  wakeItem: TimelineItem | undefined;
  /** 0 or -errno of the last sensor read (ocre:sensor-status-v1). */
  sensorStatus = 0;
  /** queue.overflowed already reported as a health event, and when (app time). */
  overflowReported = 0;
  overflowReportedAt = 0;

  memory!: GuestMemory;
  heap!: AppHeap;
  private exports!: WasmExports & AsyncifyExports;
  private entry!: () => void;

  /** Set between asyncify_start_unwind and the stack having unwound to the host. */
  unwinding = false;
  /** Set while the stack is being rewound into the suspended import. */
  rewinding = false;
  started = false;
  /** Sleeps and yields so far: the --timeout probe tells a busy container from a working one. */
  yields = 0;
  /** Opted into ocre's distinct publish codes (EXTENSIONS.OCRE_EXT_ERRNO_V1). */
  extErrno = false;
  /** Empty polls since the last sleep (see ocre_get_event). */
  emptyPolls = 0;
  /** App time at which the current suspension began (poll_oneoff's relative timeouts). */
  private suspendedAt = 0;
  result: ContainerResult | undefined;
  /** Run once when the container ends (host files it left open). */
  private readonly endHooks: (() => void)[] = [];
  /** Restarts so far, consecutive quick failures (the back-off) and this run's start (app time). */
  restarts = 0;
  failures = 0;
  runStartedAt = 0;
  /** Events dropped by earlier runs (the queue's count is this run's, as the device's). */
  droppedEarlier = 0;
  /** The timeline item that restarts it after its back-off, while it waits. */
  restartItem: TimelineItem | undefined;

  constructor(
    readonly sim: Simulation,
    readonly index: number,
    readonly name: string,
    readonly capabilities: readonly string[],
    readonly args: readonly string[],
    readonly env: Readonly<Record<string, string>>,
    readonly prepared: InstrumentedModule,
    readonly gpioAllow: readonly string[] | undefined = undefined,
    readonly restart: RestartPolicy = "no",
  ) {
    this.queue = new EventQueue(sim.limits.eventQueueDepth);
  }

  get alive(): boolean {
    return this.result === undefined;
  }

  attach(instance: WasmInstance, memory: WasmMemory, entry: () => void): void {
    this.exports = instance.exports as WasmExports & AsyncifyExports;
    const plan = this.prepared.memory;
    this.memory = new GuestMemory(memory, plan.visibleBytes);
    this.heap = new AppHeap(plan.heapBase, plan.heapBytes);
    this.entry = entry;
  }

  /**
   * Keeps output for the result, up to `cap` characters per stream; the first overflow keeps
   * what fits plus a notice, and returns true (so the run warns once).
   */
  keepOutput(stream: "stdout" | "stderr", text: string, cap: number): boolean {
    if (this.truncated[stream]) return false;
    const room = cap - this.kept[stream];
    if (text.length <= room) {
      this[stream].push(text);
      this.kept[stream] += text.length;
      return false;
    }
    this[stream].push(text.slice(0, Math.max(0, room)), `\n[ocre: ${stream} truncated after ${cap} characters]\n`);
    this.kept[stream] = cap;
    this.truncated[stream] = true;
    return true;
  }

  hasExportedFunction(name: string): boolean {
    return typeof this.exports[name] === "function";
  }

  /**
   * Suspends the container inside an import until app time `wakeAt`, then returns `after()`
   * from that import. The import is entered twice: once to unwind the stack, once (with the
   * same arguments) while rewinding, which is when `after` runs.
   */
  suspend(wakeAt: number, after: (startedAt: number) => number): number {
    if (this.rewinding) {
      this.rewinding = false;
      this.exports.asyncify_stop_rewind();
      return after(this.suspendedAt);
    }
    const startedAt = this.sim.now();
    this.yields++;
    if (this.sim.runAhead(this, wakeAt)) return after(startedAt);
    this.suspendedAt = startedAt;
    const plan = this.prepared.memory;
    this.memory.setReservedU32(plan.asyncifyData, plan.asyncifyData + 8);
    this.memory.setReservedU32(plan.asyncifyData + 4, plan.asyncifyEnd);
    this.exports.asyncify_start_unwind(plan.asyncifyData);
    this.unwinding = true;
    this.sim.sleepUntil(this, wakeAt);
    return 0;
  }

  /**
   * Runs the container until it suspends or ends. Returns normally in both cases; the
   * simulation reads `alive` and `unwinding` afterwards.
   */
  resume(): void {
    this.suspended = false;
    this.waitingForEvent = false;
    if (this.wakeItem) this.wakeItem.cancelled = true;
    this.wakeItem = undefined;
    if (this.started) {
      this.rewinding = true;
      this.exports.asyncify_start_rewind(this.prepared.memory.asyncifyData);
    } else {
      publishHealth(this, "started", { run: this.restarts + 1 });
    }
    this.started = true;
    try {
      this.entry();
    } catch (error) {
      this.unwinding = false;
      this.rewinding = false;
      this.sim.onContainerError(this, error);
      return;
    }
    if (this.unwinding) {
      this.unwinding = false;
      this.exports.asyncify_stop_unwind();
      return;
    }
    this.sim.finish(this, "exited", 0, undefined);
  }

  atEnd(hook: () => void): void {
    this.endHooks.push(hook);
  }

  end(status: ContainerStatus, exitCode: number, trap: TrapInfo | undefined, timeMs: number): ContainerResult {
    // The device's health events for a run that ended (a run's --duration end is no event).
    if (status !== "stopped") {
      reportOverflow(this, true);
      if (status === "timeout") publishHealth(this, "killed", { by: "watchdog" });
      const ran = timeMs - this.runStartedAt;
      if (status === "trapped") publishHealth(this, "trapped", { ran_ms: ran, reason: trap?.kind ?? "trap" });
      publishHealth(this, "exited", {
        code: exitCode,
        ran_ms: ran,
        memory_bytes: this.memory?.size ?? 0,
        dropped: this.queue.overflowed,
      });
    }
    this.result = {
      name: this.name,
      status,
      exitCode,
      stdout: this.stdout.join(""),
      stderr: this.stderr.join(""),
      trap,
      endedAtMs: timeMs,
      restarts: this.restarts,
      stats: {
        ...this.stats,
        eventsOverflowed: this.droppedEarlier + this.queue.overflowed,
        appHeapInUse: this.heap?.inUse ?? 0,
      },
    };
    // The device drops a dead container's queue, timers and subscriptions.
    this.queue.clear();
    for (const timer of this.timers.values()) if (timer.item) timer.item.cancelled = true;
    this.timers.clear();
    this.subscriptions.length = 0;
    for (const hook of this.endHooks.splice(0)) hook();
    return this.result;
  }

  /**
   * Makes an ended container ready for its next run (the restart policy): a fresh instance
   * comes from the simulation; output, stats and warnings carry over, as on the device, where
   * the queue, timers, subscriptions and extensions belong to one run.
   */
  beginRun(now: number): void {
    this.restarts++;
    this.runStartedAt = now;
    this.droppedEarlier += this.queue.overflowed;
    this.queue.clear();
    this.queue.overflowed = 0;
    this.dispatchers.clear();
    this.extWait = false;
    this.extErrno = false;
    this.waitingForEvent = false;
    this.suspended = false;
    this.wakeItem = undefined;
    this.sensorStatus = 0;
    this.overflowReported = 0;
    this.overflowReportedAt = 0;
    this.unwinding = false;
    this.rewinding = false;
    this.started = false;
    this.emptyPolls = 0;
    this.restartItem = undefined;
    this.result = undefined;
  }
}
