import { EVENT_TYPE, findImport, formatSignature, knownImportNames, type ValType } from "../abi/table.js";
import { readWasmSummary } from "../pipeline/wasm-sections.js";
import { OcreError } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import type { Board } from "./board.js";
import { RealClock, VirtualClock, type Clock } from "./clock.js";
import { Container } from "./container.js";
import type { QueuedEvent } from "./event-queue.js";
import { GpioModel } from "./gpio.js";
import type { GpioScriptStep } from "./gpio-script.js";
import { buildImports } from "./host-imports.js";
import { PROBE_MODULE, PROBE_NAME, instrumentModule } from "./instrument.js";
import { DEFAULT_HEAP_BYTES, type SimLimits } from "./limits.js";
import { createProbe } from "./probe.js";
import { PROFILES, type RuntimeProfile } from "./profile.js";
import { publishHealth } from "./health.js";
import { nextBackoff, restartWanted } from "./restart.js";
import { EventQueue } from "./event-queue.js";
import { SensorModel } from "./sensors.js";
import { ExitSignal, StopSignal, TIMEOUT_EXIT_CODE } from "./signals.js";
import { Timeline } from "./timeline.js";
import { describeTrap } from "./trap.js";
import type {
  ContainerInput,
  ContainerResult,
  ContainerStatus,
  RunOptions,
  SimEvent,
  SimWarning,
  TraceEntry,
  TrapInfo,
} from "./types.js";
import { Wasm, isWasmMemory, type WasmImports, type WasmInstance, type WasmMemory } from "./wasm-api.js";
import type { PreopenDir } from "./wasi-fs.js";

const ENTRY_POINTS = ["_start", "main", "__main_argc_argv", "_main"];

/**
 * Refuses a module whose imports of the Ocre ABI or WASI have another signature than the
 * runtime's (the engine would only say "imported function does not match the expected type").
 */
function checkImportSignatures(name: string, wasm: Uint8Array): void {
  let imports;
  try {
    imports = readWasmSummary(wasm).imports;
  } catch {
    // Not readable here: the engine reports the module as invalid with its own words.
    return;
  }
  for (const imp of imports) {
    if (imp.kind !== "function") continue;
    const known = findImport(imp.module, imp.name);
    if (known === undefined) continue;
    const same =
      imp.type.params.length === known.params.length &&
      imp.type.results.length === known.results.length &&
      imp.type.params.every((p, i) => p === known.params[i]) &&
      imp.type.results.every((r, i) => r === known.results[i]);
    if (!same) {
      const theirs = formatSignature(imp.type.params as ValType[], imp.type.results as ValType[]);
      const ours = formatSignature(known.params, known.results);
      throw new OcreError(
        "OCRE_RUN_IMPORT_SIGNATURE",
        `${name}: imports ${imp.module}.${imp.name} as ${theirs}, but the runtime provides ${ours}`,
        { hint: `fix the declaration of ${imp.name} to ${ours} (ocre build checks this for AssemblyScript apps)` },
      );
    }
  }
}

/** Output kept per container and stream in the result: enough for any log, bounded for any flood. */
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;
/** Host calls kept in an in-memory trace (a file trace streams to disk instead). */
export const DEFAULT_MAX_TRACE_ENTRIES = 1_000_000;

/**
 * One run: the containers, the shared board (GPIO, sensors), the message broker state, the
 * clock and the timeline of everything due. Single-threaded and cooperative: a container runs
 * until it sleeps (its stack is unwound, see instrument.ts) or ends, then the next one due runs.
 */
export class Simulation {
  readonly clock: Clock;
  readonly virtual: boolean;
  readonly timeline = new Timeline();
  readonly containers: Container[] = [];
  readonly limits: SimLimits;
  readonly gpio: GpioModel;
  readonly sensors: SensorModel;
  readonly tracing: boolean;
  readonly trace: TraceEntry[] = [];
  /** Where host calls are recorded (when tracing): the result's list or the caller's function. */
  readonly record: (entry: TraceEntry) => void;
  readonly warnings: SimWarning[] = [];
  readonly seed: number | undefined;
  /** Preopened directories every container gets (--dir). */
  readonly dirs: readonly PreopenDir[];
  readonly profile: RuntimeProfile;
  /** Upstream profile: the one event queue of every container (owner in each event). */
  readonly sharedQueue: EventQueue | undefined;
  /** Upstream profile: timer id → owner, ids shared by all containers. */
  readonly timerOwners = new Map<number, Container>();
  /** Upstream profile: the one subscription table (slots, first free one reused). */
  readonly subscriptionTable: ({ owner: Container; prefix: string } | undefined)[] = [];
  /** Id of the next message published (upstream counts from 0, once per delivered publish). */
  messageCounter = 0;
  /** Health events published so far (cli/abi/health.ts), in order. */
  readonly health: { timeMs: number; topic: string; payload: string }[] = [];
  /** Set once the in-memory trace reached maxTraceEntries. */
  traceTruncated = false;
  /** Bumped whenever the set of receivers may change (a subscription, a container ending). */
  subscriptionGeneration = 0;

  private readonly ready: Container[] = [];
  private stopping: "timeout" | "duration" | undefined;
  /** Real time (performance.now) at which the run stops whatever the containers do, and why. */
  private wallStop: { at: number; reason: "timeout" | "duration" } = { at: Infinity, reason: "timeout" };
  private sliceBudget = Infinity;
  private readonly failures: ContainerResult[] = [];
  private readonly emit: (event: SimEvent) => void;

  constructor(
    readonly board: Board,
    private readonly options: RunOptions,
  ) {
    this.virtual = options.virtualTime === true;
    this.clock = this.virtual ? new VirtualClock() : new RealClock();
    this.profile = PROFILES[options.runtime ?? "ocre"];
    this.limits = { ...this.profile.limits, ...options.limits };
    this.sharedQueue = this.profile.sharedEventQueue ? new EventQueue(this.limits.eventQueueDepth) : undefined;
    this.tracing = options.trace !== undefined && options.trace !== false;
    const maxTrace = options.maxTraceEntries ?? DEFAULT_MAX_TRACE_ENTRIES;
    this.record =
      typeof options.trace === "function"
        ? options.trace
        : (entry) => {
            if (this.trace.length < maxTrace) this.trace.push(entry);
            else if (!this.traceTruncated) {
              this.traceTruncated = true;
              this.warn(undefined, `the trace keeps the first ${maxTrace} host calls; later ones are not recorded`);
            }
          };
    this.seed = options.seed ?? (this.virtual ? 1 : undefined);
    this.dirs = options.dirs ?? [];
    this.emit = options.onEvent ?? (() => {});
    this.gpio = new GpioModel(board, (change) => this.emit({ type: "gpio", ...change }));
    this.sensors = new SensorModel(board, options.sensors);
    // The deadlines start now, before any module is instantiated: a start section that loops
    // forever is stopped like any other code. In real time, --duration is a wall-clock bound
    // too, so a container that never sleeps cannot outlive it.
    const { timeoutMs, durationMs } = options;
    if (timeoutMs !== undefined && this.virtual) this.sliceBudget = timeoutMs;
    const start = performance.now();
    if (!this.virtual && timeoutMs !== undefined) this.wallStop = { at: start + timeoutMs, reason: "timeout" };
    if (!this.virtual && durationMs !== undefined && start + durationMs < this.wallStop.at)
      this.wallStop = { at: start + durationMs, reason: "duration" };
  }

  now(): number {
    return this.clock.now();
  }

  output(c: Container, stream: "stdout" | "stderr", text: string): void {
    const cap = this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    if (c.keepOutput(stream, text, cap))
      this.warn(
        c,
        `${c.name}: ${stream} over ${cap} characters; the result keeps the first ${cap} (live output continues)`,
      );
    this.emit({ type: stream, timeMs: this.now(), container: c.name, text });
  }

  warn(c: Container | undefined, message: string): void {
    const warning = { timeMs: this.now(), container: c?.name, message };
    this.warnings.push(warning);
    this.emit({ type: "warning", ...warning });
  }

  warnOnce(c: Container, key: string, message: string): void {
    if (c.warned.has(key)) return;
    c.warned.add(key);
    this.warn(c, message);
  }

  /**
   * Queues an event for a container (and wakes it when it waits for one, ocre:wait-v1); a
   * full queue drops it, counts it and warns once.
   */
  enqueue(c: Container, event: QueuedEvent): boolean {
    if (this.sharedQueue) {
      if (this.sharedQueue.push({ ...event, owner: c })) return true;
      c.queue.overflowed++;
      this.warnOnce(
        c,
        "overflow",
        `${c.name}: the shared event queue is full (depth ${this.sharedQueue.depth}); events are dropped and counted`,
      );
      return false;
    }
    if (c.queue.push(event)) {
      if (c.waitingForEvent && c.suspended) {
        c.waitingForEvent = false;
        if (c.wakeItem) c.wakeItem.cancelled = true;
        c.wakeItem = undefined;
        this.ready.push(c);
      }
      return true;
    }
    this.warnOnce(
      c,
      "overflow",
      `${c.name}: event queue full (depth ${c.queue.depth}); events are dropped and counted`,
    );
    return false;
  }

  /** Instantiates every container (in order) before any of them runs. */
  load(inputs: readonly ContainerInput[]): void {
    const names = new Set<string>();
    inputs.forEach((input, index) => {
      if (names.has(input.name)) {
        throw new OcreError("OCRE_RUN_DUPLICATE_NAME", `two containers are named "${input.name}"`, {
          hint: "give each container of a run its own name",
        });
      }
      names.add(input.name);
      const heapBytes = input.memory?.heapBytes ?? DEFAULT_HEAP_BYTES;
      const prepared = instrumentModule(input.name, input.wasm, { heapBytes, maxPages: input.memory?.maxPages });
      const c = new Container(
        this,
        index,
        input.name,
        input.capabilities ?? [],
        input.args ?? [],
        input.env ?? {},
        prepared,
        input.gpio,
        this.profile.restartPolicies ? (input.restart ?? "no") : "no",
      );
      this.containers.push(c);
      // Once a deadline passed while instantiating, the rest are not started at all.
      if (this.stopping) return this.stopContainer(c, this.stopping);
      checkImportSignatures(input.name, input.wasm);
      this.instantiateOrStop(c);
    });
  }

  /**
   * Instantiates c; false when its start section ran into --timeout (or, in real time,
   * --duration): then the run is stopping and c is stopped.
   */
  private instantiateOrStop(c: Container): boolean {
    try {
      this.instantiate(c);
      return true;
    } catch (error) {
      if (!(error instanceof StopSignal)) throw error;
      this.stopping = error.reason;
      this.stopContainer(c, error.reason);
      return false;
    }
  }

  private instantiate(c: Container): void {
    const { module, memory: plan } = c.prepared;
    const imports: Record<string, Record<string, unknown>> = buildImports(c);
    // Runs every 65 536 loop iterations: stops a container that computes without yielding. In
    // real time that is the run's wall deadline; in virtual time, --timeout of wall time
    // without a single sleep (wall time spent while app time moves is not the app's fault).
    let yieldsSeen = -1;
    let sliceStart = 0;
    imports[PROBE_MODULE] = {
      [PROBE_NAME]: createProbe(() => {
        const now = performance.now();
        if (now > this.wallStop.at) throw new StopSignal(this.wallStop.reason);
        if (c.yields !== yieldsSeen) {
          yieldsSeen = c.yields;
          sliceStart = now;
        } else if (now - sliceStart > this.sliceBudget) throw new StopSignal("timeout");
      }),
    };
    let memory: WasmMemory | undefined;
    for (const imp of Wasm.Module.imports(module)) {
      if (imp.kind === "memory") {
        memory = new Wasm.Memory({ initial: plan.initialPages, maximum: plan.maximumPages });
        (imports[imp.module] ??= {})[imp.name] = memory;
        continue;
      }
      if (imp.module === PROBE_MODULE) continue;
      if (imp.kind !== "function" || !findImport(imp.module, imp.name)) {
        const suggestion = didYouMean(`${imp.module}.${imp.name}`, knownImportNames());
        throw new OcreError(
          "OCRE_RUN_UNKNOWN_IMPORT",
          `${c.name}: imports ${imp.kind} ${imp.module}.${imp.name}, which the Ocre runtime does not provide${suggestion ? `; ${suggestion}` : ""}`,
          {
            hint: "containers may import only the Ocre ABI (module env) and WASI preview 1; see docs/run.md",
          },
        );
      }
    }
    let instance: WasmInstance;
    try {
      instance = new Wasm.Instance(module, imports as WasmImports);
    } catch (error) {
      if (error instanceof StopSignal) throw error;
      throw new OcreError("OCRE_RUN_INSTANTIATE", `${c.name}: cannot instantiate: ${(error as Error).message}`, {
        hint: "check the module's imports against docs/run.md (ocre validates them at build time)",
      });
    }
    memory ??= Object.values(instance.exports).find(isWasmMemory);
    if (!memory) {
      throw new OcreError("OCRE_RUN_NO_MEMORY_EXPORT", `${c.name}: the module neither exports nor imports its memory`, {
        hint: "Ocre reads strings and buffers from the container's memory: export it (AssemblyScript does by default; C: -Wl,--export-memory)",
      });
    }
    const entryName = ENTRY_POINTS.find((n) => typeof instance.exports[n] === "function");
    if (!entryName) {
      throw new OcreError("OCRE_RUN_NO_ENTRY", `${c.name}: exports none of ${ENTRY_POINTS.join(", ")}`, {
        hint: "build with `ocre build` (exports _start) or link a wasm32-wasi program",
      });
    }
    const entry = instance.exports[entryName] as (...args: number[]) => unknown;
    c.attach(instance, memory, () => void entry(0, 0));
  }

  /** App time of the next thing due (now when nothing is, or in real time: just yield). */
  nextDueAt(): number {
    const now = this.now();
    if (!this.virtual) return now;
    return Math.max(now, this.timeline.peek()?.at ?? now);
  }

  /** A suspending container goes to sleep until `wakeAt` (Infinity: until an event wakes it). */
  sleepUntil(c: Container, wakeAt: number): void {
    c.suspended = true;
    c.wakeItem = Number.isFinite(wakeAt) ? this.timeline.add(wakeAt, () => this.ready.push(c), c) : undefined;
  }

  /**
   * Virtual-time fast path for a container about to sleep until `wakeAt`: when no other
   * container is ready and none wakes before then, the clock jumps (firing timers and script
   * steps on the way) and the sleep returns without unwinding the stack. Deterministic: it only
   * looks at the timeline. Returns false when the container must really suspend.
   */
  runAhead(c: Container, wakeAt: number): boolean {
    if (!this.virtual || this.ready.length > 0) return false;
    const clock = this.clock as VirtualClock;
    const pushed = c.queue.pushed;
    for (;;) {
      const top = this.timeline.peek();
      if (top === undefined && !Number.isFinite(wakeAt)) return false;
      if (top === undefined || top.at > wakeAt || (top.last && top.at === wakeAt)) {
        clock.jump(wakeAt);
        return true;
      }
      if (top.wakes !== undefined && top.wakes !== c) return false;
      this.timeline.pop();
      clock.jump(top.at);
      top.run();
      if (this.stopping) throw new StopSignal(this.stopping);
      // Its own event (say, its timer) queued meanwhile ends a wait at once; a backlog does not.
      if (c.waitingForEvent && c.queue.pushed !== pushed) {
        c.waitingForEvent = false;
        return true;
      }
      if (this.ready.length > 0) return false;
    }
  }

  onContainerError(c: Container, error: unknown): void {
    if (error instanceof ExitSignal) {
      this.finish(c, "exited", error.code, undefined);
      return;
    }
    if (error instanceof StopSignal) {
      this.stopping ??= error.reason;
      this.stopContainer(c, error.reason);
      return;
    }
    const trap = describeTrap(error, c.prepared.functionNames);
    if (!trap) throw error;
    this.finish(c, "trapped", this.profile.trapExitCode, trap);
  }

  private stopContainer(c: Container, reason: "timeout" | "duration"): void {
    if (reason === "timeout") this.finish(c, "timeout", TIMEOUT_EXIT_CODE, undefined);
    else this.finish(c, "stopped", 0, undefined);
  }

  finish(c: Container, status: ContainerStatus, exitCode: number, trap: TrapInfo | undefined): void {
    const result = c.end(status, exitCode, trap, this.now());
    // Upstream releases a dead container's timer ids and subscriptions, not its queued events.
    for (const [id, owner] of this.timerOwners) if (owner === c) this.timerOwners.delete(id);
    this.subscriptionTable.forEach((s, i) => {
      if (s?.owner === c) this.subscriptionTable[i] = undefined;
    });
    this.subscriptionGeneration++;
    if (exitCode !== 0) this.failures.push(result);
    this.emit({ type: "exit", timeMs: result.endedAtMs, container: c.name, result });
    this.scheduleRestart(c, status, exitCode);
  }

  /** The restart policy after a run ended (ocre_container.c's container_thread). */
  private scheduleRestart(c: Container, status: ContainerStatus, exitCode: number): void {
    // The run's own end (--duration, --timeout) stops containers as a stop on the device does.
    const stopped = this.stopping !== undefined || status === "stopped" || status === "timeout";
    if (!restartWanted(c.restart, exitCode, stopped)) return;
    const now = this.now();
    const backoff = nextBackoff(c.failures, now - c.runStartedAt);
    c.failures = backoff.failures;
    publishHealth(c, "restarted", { restarts: c.restarts + 1, delay_ms: backoff.delayMs });
    this.emit({
      type: "restart",
      timeMs: now,
      container: c.name,
      policy: c.restart,
      restarts: c.restarts + 1,
      delayMs: backoff.delayMs,
    });
    c.restartItem = this.timeline.add(now + backoff.delayMs, () => this.restartContainer(c), c);
  }

  /** A fresh instance of the same module, ready to run from its entry point. */
  private restartContainer(c: Container): void {
    c.beginRun(this.now());
    if (this.instantiateOrStop(c)) this.ready.push(c);
  }

  private scheduleScript(steps: readonly GpioScriptStep[]): void {
    for (const step of steps) {
      const pin = this.gpio.resolve(step.pin);
      if (!pin) {
        const suggestion = didYouMean(step.pin, this.gpio.aliasNames);
        throw new OcreError(
          "OCRE_RUN_GPIO_SCRIPT",
          `GPIO script names pin "${step.pin}", which board ${this.board.id} does not have${suggestion ? `; ${suggestion}` : ""}`,
          {
            hint: `use an alias (${this.gpio.aliasNames.join(", ") || "none on this board"}) or port.pin, e.g. 0.5`,
          },
        );
      }
      this.timeline.add(step.timeMs, () => {
        for (const c of this.gpio.drive(this.now(), pin.port, pin.pin, step.level)) {
          this.enqueue(c, {
            type: EVENT_TYPE.gpio,
            id: pin.pin,
            port: pin.port,
            state: step.level,
            extra: 0,
            payloadLen: 0,
            message: undefined,
          });
        }
      });
    }
  }

  /** Runs until every container has ended or the deadline passes. */
  async run(): Promise<void> {
    if (this.clock instanceof RealClock) this.clock.restart();
    this.scheduleScript(this.options.gpioScript ?? []);
    const { timeoutMs, durationMs } = this.options;
    const deadline =
      timeoutMs !== undefined && (durationMs === undefined || timeoutMs <= durationMs)
        ? { at: timeoutMs, reason: "timeout" as const }
        : durationMs !== undefined
          ? { at: durationMs, reason: "duration" as const }
          : undefined;
    if (deadline) this.timeline.add(deadline.at, () => (this.stopping = deadline.reason), undefined, true);
    this.ready.push(...this.containers);
    const { signal } = this.options;
    const aborted = signal && abortedPromise(signal);
    let yieldedAt = performance.now();
    for (;;) {
      if (signal?.aborted) this.stopping ??= "duration";
      while (this.ready.length > 0 && !this.stopping) {
        const c = this.ready.shift()!;
        if (c.alive) c.resume();
      }
      if (this.stopping || !this.containers.some((c) => c.alive || c.restartItem)) break;
      const top = this.timeline.peek();
      if (!top) break;
      if (aborted === undefined) await this.clock.advanceTo(top.at);
      else {
        await Promise.race([this.clock.advanceTo(top.at), aborted]);
        if (signal!.aborted) continue;
        // Virtual time never waits: let the abort (a file watcher, Ctrl-C) through now and then.
        if (performance.now() - yieldedAt > ABORT_CHECK_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          yieldedAt = performance.now();
          if (signal!.aborted) continue;
        }
      }
      for (
        let item = this.timeline.peek();
        item && item.at <= this.now() && !this.stopping;
        item = this.timeline.peek()
      ) {
        // Containers woken at the deadline's time still run before it.
        if (item.last && this.ready.length > 0) break;
        this.timeline.pop();
        item.run();
      }
    }
    for (const c of this.containers) if (c.alive) this.stopContainer(c, this.stopping ?? "duration");
  }

  /** The first failing container's exit code, in the order they failed; 0 when none failed. */
  get exitCode(): number {
    return this.failures[0]?.exitCode ?? 0;
  }

  results(): ContainerResult[] {
    return this.containers.map((c) => c.result!);
  }
}

/** How often (wall ms) a virtual-time run with an abort signal yields to the event loop. */
const ABORT_CHECK_MS = 50;

function abortedPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
