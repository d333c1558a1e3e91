import { access } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { OcreError } from "../errors.js";
import type { FirmwareBoard } from "./board.js";
import { which, type Env } from "./doctor/probe.js";
import { frameFilter, openConsoleEndpoint, type ConsoleEndpoint } from "./console-endpoint.js";

/**
 * `ocre emulate`: boots a firmware image in the board's emulator (QEMU), streams the console and
 * decides the outcome from it. The generated main.c prints one line when every container has
 * exited, `ocre: containers finished (exit N)`; that line ends the run with N's verdict.
 */

export type EmulateOutcome = "exited" | "expected" | "ran" | "timeout" | "fault" | "startup-failed" | "emulator-exited";

export interface EmulateOptions {
  readonly board: FirmwareBoard;
  /** The ELF to boot (zephyr.elf). */
  readonly kernel: string;
  /**
   * Expose the guest's console on a local socket recorded in `<buildDir>/emulator.json`, for
   * `--device qemu` (console-endpoint.ts). SMP frames are hidden from onConsole. QEMU only.
   */
  readonly consoleEndpoint?: { readonly buildDir: string; readonly board: string };
  readonly timeoutMs: number;
  /** Succeed as soon as this text appears on the console. */
  readonly expect?: string;
  /**
   * `--for`: succeed once the containers have started (`ocre: containers started (N)`) and run
   * this long without a fault or an exit: for apps that never exit (blinky, pubsub).
   */
  readonly runForMs?: number;
  /** Console output as it arrives (already decoded). */
  readonly onConsole?: (text: string) => void;
  readonly env?: Env;
  /**
   * `--device-port`: QEMU's user network on the board's interface, with host 127.0.0.1:host
   * forwarded to the guest's TCP port (the device agent's), so `ocre deploy --device` reaches it.
   */
  readonly forward?: { readonly host: number; readonly guest: number };
}

export interface EmulateResult {
  readonly ok: boolean;
  readonly outcome: EmulateOutcome;
  /** What `ocre emulate` exits with: 0 on success, else 1. */
  readonly exitCode: 0 | 1;
  /** The containers' exit code from the console line, when it was printed. */
  readonly containerExitCode: number | null;
  /** The console line (or emulator message) that decided the outcome. */
  readonly reason: string;
  readonly durationMs: number;
  readonly command: readonly string[];
  readonly console: string;
}

/** `ocre: containers finished (exit N)` (generated main.c), or the shim's `all containers exited (code N)`. */
const EXIT_LINE = /ocre: (?:containers finished \(exit (-?\d+)\)|all containers exited \(code (-?\d+)\))/;
/** The generated main.c once every container is started. */
const STARTED_LINE = /ocre: containers started \((\d+)\)/;
/** The runtime could not even start a container. */
const STARTUP_FAILED = /ocre: (?:runtime init failed|cannot add container|cannot start containers)[^\n]*/;
/** Zephyr's fatal error banner and QEMU's own fatal CPU errors (lockup, bad fetch). */
const FAULT = /(>>> ZEPHYR FATAL ERROR[^\n]*|qemu: fatal:[^\n]*|Kernel panic[^\n]*)/;

/** The emulator "command" of native_sim boards: the built program itself. */
export const NATIVE_PROGRAM = "zephyr.exe";

/** The emulator command for a board and kernel (with a forwarded port for the device agent). */
export function emulatorCommand(board: FirmwareBoard, kernel: string, forward?: EmulateOptions["forward"]): string[] {
  if (!board.emulator) {
    throw new OcreError("OCRE_EMULATOR_NONE", `board ${board.id} has no emulator`, {
      hint: "emulated boards: mps2-an521 (mps2/an521/cpu0), qemu_riscv32, qemu_malta; flash real hardware with `ocre flash`",
    });
  }
  // native_sim: Zephyr is a Linux program, zephyr.exe next to the image; it runs itself.
  if (board.emulator[0] === NATIVE_PROGRAM)
    return [path.join(path.dirname(kernel), NATIVE_PROGRAM), ...board.emulator.slice(1)];
  if (forward === undefined) return [...board.emulator, "-kernel", kernel];
  if (board.nic === null) {
    throw new OcreError("OCRE_EMULATOR_NETWORK", `board ${board.id} has no emulated network interface`, {
      hint: "the device agent's tcp transport needs one (agent.network.nic in the board's file); use --device serial:… instead",
    });
  }
  // QEMU's user network: the guest reaches the host's loopback as 10.0.2.2; only 127.0.0.1 listens.
  const nic = `user,model=${board.nic},hostfwd=tcp:127.0.0.1:${forward.host}-:${forward.guest}`;
  return [...board.emulator, "-nic", nic, "-kernel", kernel];
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export async function emulate(options: EmulateOptions): Promise<EmulateResult> {
  const env = options.env ?? process.env;
  const command = emulatorCommand(options.board, options.kernel, options.forward);
  await access(options.kernel).catch(() => {
    throw new OcreError("OCRE_FIRMWARE_MISSING", `no firmware image at ${options.kernel}`, {
      hint: `build it first: ocre build --firmware --board ${options.board.zephyrBoard}`,
    });
  });
  const exe =
    command[0] === path.join(path.dirname(options.kernel), NATIVE_PROGRAM) ? command[0] : await which(command[0]!, env);
  if (exe === null) {
    throw new OcreError("OCRE_EMULATOR_MISSING", `${command[0]} is not on PATH`, {
      hint: `run \`ocre doctor --board ${options.board.id}\` for the fix (apt-get install ${command[0] === "qemu-system-arm" ? "qemu-system-arm" : /mips/.test(command[0]!) ? "qemu-system-mips" : "qemu-system-misc"})`,
    });
  }

  const started = Date.now();
  // -nographic multiplexes the monitor onto stdio; with no stdin QEMU only writes the console.
  // With the console endpoint, stdin carries what its client sends (SMP frames: no Ctrl-A).
  const serveConsole = options.consoleEndpoint !== undefined && /^qemu-system-/.test(path.basename(exe));
  const child = execa(exe, command.slice(1), {
    env: env as NodeJS.ProcessEnv,
    extendEnv: false,
    reject: false,
    stdin: serveConsole ? "pipe" : "ignore",
    all: true,
    buffer: false,
  });
  let endpoint: ConsoleEndpoint | undefined;
  if (serveConsole) {
    endpoint = await openConsoleEndpoint(
      options.consoleEndpoint!.buildDir,
      { board: options.consoleEndpoint!.board, kernel: options.kernel },
      (bytes) => child.stdin?.write(bytes),
    );
    child.stdin?.on("error", () => {});
    child.stdout?.on("data", (chunk: Buffer) => endpoint!.fromGuest(chunk));
  }
  const shown = serveConsole ? frameFilter() : (text: string) => text;
  let consoleText = "";
  let pending = "";
  let decided: { outcome: EmulateOutcome; ok: boolean; code: number | null; reason: string } | null = null;
  let runTimer: NodeJS.Timeout | undefined;

  const decide = (outcome: EmulateOutcome, ok: boolean, code: number | null, reason: string): void => {
    if (decided) return;
    decided = { outcome, ok, code, reason };
    child.kill("SIGTERM");
  };

  const inspect = (line: string): void => {
    if (options.expect !== undefined && consoleText.includes(options.expect)) {
      decide("expected", true, null, `saw "${options.expect}"`);
      return;
    }
    const exit = EXIT_LINE.exec(line);
    if (exit) {
      const code = Number(exit[1] ?? exit[2]);
      if (options.expect !== undefined)
        decide("exited", false, code, `${exit[0]}, but "${options.expect}" never appeared`);
      else decide("exited", code === 0, code, exit[0]);
      return;
    }
    if (options.runForMs !== undefined && runTimer === undefined && STARTED_LINE.test(line)) {
      const line0 = STARTED_LINE.exec(line)![0];
      runTimer = setTimeout(
        () => decide("ran", true, null, `${line0}, then ran ${seconds(options.runForMs!)} without a fault`),
        options.runForMs,
      );
    }
    const startup = STARTUP_FAILED.exec(line);
    if (startup) return decide("startup-failed", false, null, startup[0]);
    const fault = FAULT.exec(line);
    if (fault) decide("fault", false, null, fault[1]!);
  };

  // The user asked for one thing: the timeout says which, and how long it waited.
  const waited = seconds(options.timeoutMs);
  const timer = setTimeout(
    () =>
      decide(
        "timeout",
        false,
        null,
        options.expect !== undefined
          ? `"${options.expect}" did not appear within ${waited}`
          : options.runForMs !== undefined
            ? `the containers did not start and run ${seconds(options.runForMs)} within ${waited}`
            : `no exit line ("ocre: containers finished (exit N)") within ${waited}; for an app that never exits use --for <duration>`,
      ),
    options.timeoutMs,
  );
  child.all?.setEncoding("utf8");
  child.all?.on("data", (raw: string) => {
    if (decided) return;
    const chunk = shown(raw);
    consoleText += chunk;
    options.onConsole?.(chunk);
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) inspect(line.replace(/\r$/, ""));
    // --expect may match text that has no newline yet (a prompt).
    if (!decided && options.expect !== undefined && consoleText.includes(options.expect)) inspect("");
  });

  const finished = await child;
  await endpoint?.close();
  clearTimeout(timer);
  clearTimeout(runTimer);
  if (pending !== "") inspect(pending);
  if (!decided) {
    const code = finished.exitCode ?? null;
    decided =
      code === 0
        ? {
            outcome: "emulator-exited",
            ok: false,
            code: null,
            reason:
              options.expect !== undefined
                ? `the emulator exited before "${options.expect}" appeared`
                : "the emulator exited before the containers' exit line",
          }
        : {
            outcome: "fault",
            ok: false,
            code: null,
            reason: `${command[0]} exited with ${code ?? finished.signal ?? "an error"}`,
          };
  }
  const verdict: { outcome: EmulateOutcome; ok: boolean; code: number | null; reason: string } = decided;
  return {
    ok: verdict.ok,
    outcome: verdict.outcome,
    exitCode: verdict.ok ? 0 : 1,
    containerExitCode: verdict.code,
    reason: verdict.reason,
    durationMs: Date.now() - started,
    command,
    console: consoleText,
  };
}
