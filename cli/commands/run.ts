import { existsSync } from "node:fs";
import path from "node:path";
import { defineCommand } from "./define.js";
import { runCommand } from "./grammar.js";
import { CAPABILITIES } from "../abi/table.js";
import { OcreError } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import { loadBoard } from "../sim/board.js";
import { parseFlagDuration } from "../util/duration.js";
import { boardRootsOf as roots } from "./board-roots.js";
import { loadGpioScript } from "../sim/gpio-script.js";
import { runContainers } from "../sim/run.js";
import { loadSensorTrace } from "../sim/sensor-trace.js";
import { resolveTarget } from "../sim/sources.js";
import { parseDirFlag } from "../sim/wasi-fs.js";
import { createTraceWriter } from "../sim/trace-file.js";
import type { ContainerInput, ContainerResult, SimEvent } from "../sim/types.js";
import { reportError, type Output } from "../ui/output.js";
import { interruptSignal } from "../ui/interrupt.js";

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

/** An exit code as a shell would see it too, when they differ: "-1 (status 255)". */
function exitText(code: number): string {
  const status = code & 0xff || (code === 0 ? 0 : 1);
  return status === code ? `${code}` : `${code} (status ${status})`;
}

function describeEnd(r: ContainerResult): string {
  if (r.status === "trapped" && r.trap) {
    return `${r.name}: trapped at ${seconds(r.endedAtMs)}: ${r.trap.kind}${r.trap.function ? ` in ${r.trap.function}` : ""} (exit ${exitText(r.exitCode)})`;
  }
  if (r.status === "timeout") return `${r.name}: stopped by --timeout at ${seconds(r.endedAtMs)} (exit ${r.exitCode})`;
  if (r.status === "stopped") return `${r.name}: stopped after --duration at ${seconds(r.endedAtMs)}`;
  return `${r.name}: exited with ${exitText(r.exitCode)} at ${seconds(r.endedAtMs)}`;
}

/** A line held back for its prefix longer than this is printed as it is (bounded memory). */
const MAX_PARTIAL_LINE = 64 * 1024;

/** Prints container output as it comes (prefixed by the container's name when several run). */
function livePrinter(out: Output, prefixed: boolean): (event: SimEvent) => void {
  const partial = new Map<string, string>();
  const emitText = (container: string, stream: "stdout" | "stderr", text: string) => {
    const write = (s: string) => (stream === "stdout" ? process.stdout.write(s) : process.stderr.write(s));
    if (!prefixed) return write(text);
    const key = `${container}\u0000${stream}`;
    const lines = ((partial.get(key) ?? "") + text).split("\n");
    let rest = lines.pop()!;
    if (rest.length > MAX_PARTIAL_LINE) {
      lines.push(rest);
      rest = "";
    }
    partial.set(key, rest);
    for (const line of lines) write(`${out.style.dim(`${container} |`)} ${line}\n`);
  };
  return (event) => {
    if (event.type === "stdout" || event.type === "stderr") {
      if (!out.json) emitText(event.container, event.type, event.text);
    } else if (event.type === "gpio") {
      const pin = `${event.alias ?? "gpio"} (${event.port}.${event.pin})`;
      out.info(
        `${out.style.dim(`[${seconds(event.timeMs)}]`)} ${pin} = ${event.level}${event.container ? `  ${out.style.dim(`by ${event.container}`)}` : "  (script)"}`,
      );
    } else if (event.type === "warning") {
      out.warn(event.message);
    } else if (event.type === "exit") {
      for (const [key, rest] of partial)
        if (rest && key.startsWith(`${event.container}\u0000`)) emitText(event.container, "stdout", "\n");
      const line = describeEnd(event.result);
      if (event.result.exitCode !== 0) process.stderr.write(`${out.style.red("error")} ${line}\n`);
      else if (event.result.status === "trapped")
        out.warn(line); // upstream reports a trap as exit 0
      else out.debug(line);
    } else if (event.type === "restart") {
      out.info(
        `${event.container}: restart ${event.restarts} in ${event.delayMs} ms at ${seconds(event.timeMs + event.delayMs)} (restart: ${event.policy})`,
      );
    }
  };
}

/** The first target that is an app directory, with the first board its manifest names. */
async function firstApp(targets: readonly string[], cwd: string): Promise<{ dir: string; board?: string } | undefined> {
  const { loadManifest, MANIFEST_FILE } = await import("../config/manifest.js");
  for (const target of targets) {
    const dir = path.resolve(cwd, target);
    if (!existsSync(path.join(dir, MANIFEST_FILE))) continue;
    const { manifest } = await loadManifest(dir);
    return manifest.boards[0] === undefined ? { dir } : { dir, board: manifest.boards[0] };
  }
  return undefined;
}

/** `ocre run` (options: cli/commands/grammar.ts). */
export const run = defineCommand(runCommand, async (args, out) => {
  const caps = args.cap
    ?.flatMap((c) => c.split(","))
    .map((c) => c.trim())
    .filter((c) => c !== "");
  for (const cap of caps ?? []) {
    if (!(CAPABILITIES as readonly string[]).includes(cap)) {
      const suggestion = didYouMean(cap, CAPABILITIES);
      throw new OcreError("OCRE_RUN_CAPABILITY", `unknown capability "${cap}"${suggestion ? `; ${suggestion}` : ""}`, {
        hint: `capabilities: ${CAPABILITIES.join(", ")}`,
      });
    }
  }
  const verifyKeys =
    args["verify-key"] === undefined
      ? undefined
      : await (async () => {
          const { loadPublicKey } = await import("../sign/keys.js");
          return Promise.all(args["verify-key"]!.map((k) => loadPublicKey(path.resolve(args.cwd, k))));
        })();
  const depth = args["event-queue-depth"];
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) {
    throw new OcreError("OCRE_RUN_LIMIT", `--event-queue-depth must be a positive integer, not ${depth}`);
  }
  const dirs = args.dir?.map((d) => parseDirFlag(d, args.cwd));
  const timeoutMs = args.timeout === undefined ? undefined : parseFlagDuration(args.timeout, "--timeout");
  const durationMs = args.duration === undefined ? undefined : parseFlagDuration(args.duration, "--duration");
  /** One run: resolve (and build) the targets, run them, print the summary; its exit code. */
  const once = async (watch?: RunWatch): Promise<number> => {
    // A .wasm target is an input itself (rerun when another `ocre build` rewrites it, or once
    // it appears); an app directory reports what its build read.
    for (const t of args.targets)
      if (t.endsWith(".wasm")) watch?.onInput(path.resolve(args.cwd, t), existsSync(path.resolve(args.cwd, t)));
    const targets = await Promise.all(
      args.targets.map((t) =>
        resolveTarget(t, {
          cwd: args.cwd,
          ...(caps ? { capabilities: caps } : {}),
          ...(verifyKeys ? { verifyKeys } : {}),
          ...(watch === undefined ? {} : { buildApp: (dir: string) => watchedBuild(dir, watch) }),
        }),
      ),
    );
    for (const t of targets)
      out.debug(
        `${t.input.name}: ${t.kind} ${t.from}; capabilities ${(t.input.capabilities ?? []).join(", ") || "none"}`,
      );
    // Without --board, an app's own board (its manifest's first `boards` entry), from its catalog.
    const app = await firstApp(args.targets, args.cwd);
    const board = await loadBoard(args.board ?? app?.board, {
      appDir: app?.dir ?? args.cwd,
      boardRoots: roots(args),
    });
    if (args.board === undefined && app?.board !== undefined) out.debug(`board ${app.board} (from ${app.dir})`);
    const inputFile = (file: string): string => {
      const abs = path.resolve(args.cwd, file);
      watch?.onInput(abs, true);
      return abs;
    };
    const gpioScript = args["gpio-script"] ? await loadGpioScript(inputFile(args["gpio-script"])) : undefined;
    const sensors = args.sensors ? await loadSensorTrace(inputFile(args.sensors)) : undefined;
    // Created last: nothing above may leave its temp file behind.
    const tracer = args.trace === undefined ? undefined : createTraceWriter(path.resolve(args.cwd, args.trace));
    const running = runContainers({
      containers: targets.map((t) => t.input),
      virtualTime: args["virtual-time"],
      timeoutMs,
      durationMs,
      board,
      gpioScript,
      sensors,
      trace: tracer?.write,
      seed: args.seed,
      ...(dirs === undefined ? {} : { dirs }),
      limits: depth === undefined ? undefined : { eventQueueDepth: depth },
      runtime: args.runtime,
      onEvent: livePrinter(out, targets.length > 1),
      ...(watch === undefined ? {} : { signal: watch.signal }),
    });
    const result = await running.catch((error: unknown) => {
      tracer?.abort();
      throw error;
    });
    if (tracer) {
      tracer.commit();
      out.info(`trace: ${tracer.count()} host calls in ${args.trace}`);
      if (tracer.truncated()) out.warn(`the trace reached its size cap; later host calls are not in ${args.trace}`);
    }
    out.info(
      `${result.containers.length} container${result.containers.length === 1 ? "" : "s"}, ${seconds(result.appTimeMs)} of ${result.virtualTime ? "virtual" : "real"} time in ${seconds(result.wallTimeMs)}; exit ${result.exitCode}`,
    );
    out.result({ ok: result.exitCode === 0, ...result, trace: undefined });
    // A process exit status is 8 bits: a container's 256 must not read as success.
    return result.exitCode === 0 ? 0 : result.exitCode & 0xff || 1;
  };
  if (!args.watch) return once();
  const [{ watchLoop }, { changedText }] = await Promise.all([import("../pipeline/watch.js"), import("./build.js")]);
  const app = await firstApp(args.targets, args.cwd);
  const waiting = (): void => out.info(out.style.dim("watching for changes (Ctrl-C to stop)"));
  await watchLoop((signal, onInput) => once({ signal, onInput }), {
    signal: interruptSignal(),
    restartOnChange: true,
    ...(app === undefined ? {} : { always: [path.join(app.dir, "ocre.yaml")] }),
    onStart: (changed) => {
      if (changed.length > 0) out.info(out.style.dim(`changed: ${changedText(changed, args.cwd)}; rebuilding`));
    },
    onSuccess: waiting,
    onFailure: (error) => {
      reportError(error, args);
      waiting();
    },
  });
  // Ctrl-C is how a watch ends, whatever the last run's containers did.
  return 0;
});

/** What `ocre run --watch` gives one run: its stop signal, and where to report what it read. */
interface RunWatch {
  readonly signal: AbortSignal;
  readonly onInput: (file: string, found: boolean) => void;
}

/** An app target of `ocre run --watch`: built by the pipeline, reporting what the build read. */
async function watchedBuild(appDir: string, watch: RunWatch): Promise<ContainerInput> {
  const { buildApps } = await import("../pipeline/build.js");
  const result = await buildApps([appDir], { signal: watch.signal, onInput: watch.onInput });
  return result.apps[0]!.spec;
}
