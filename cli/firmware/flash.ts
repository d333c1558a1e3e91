import { access } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { OcreError } from "../errors.js";
import type { FirmwareBoard } from "./board.js";
import { which, type Env } from "./doctor/probe.js";

/**
 * `ocre flash`: hands the built firmware to `west flash`, which knows every board's runners
 * (J-Link, pyOCD, nrfjprog, OpenOCD, STM32CubeProgrammer, …). West reads the runner
 * configuration from the build tree, so the firmware must have been built by
 * `ocre build --firmware` (or `west build`) first. The tree of `ocre build --firmware` is
 * build/.ocre-cmake/<board>/, whose source folder only exists during a build: west flash gets
 * `--skip-rebuild` so that it flashes what was built instead of reconfiguring.
 */

export interface FlashOptions {
  readonly board: FirmwareBoard;
  /** build/<board>/firmware/ (the images). */
  readonly firmwareDir: string;
  /** The CMake build tree west reads the runner configuration from (build/.ocre-cmake/<board>/). */
  readonly buildTree: string;
  /** `--runner` passed through to west. */
  readonly runner?: string;
  /** Extra arguments for west flash (after `--`). */
  readonly extraArgs?: readonly string[];
  readonly onOutput?: (text: string) => void;
  readonly env?: Env;
}

export interface FlashResult {
  readonly ok: boolean;
  readonly exitCode: number;
  readonly command: readonly string[];
  readonly durationMs: number;
}

const WITHOUT_WEST =
  "west is on PyPI only: `pipx install west` where PyPI is reachable. Without it, program the image with the board's own tool, e.g. " +
  "`pyocd flash -t <target> zephyr.hex`, `nrfjprog --program zephyr.hex --chiperase --verify --reset`, " +
  "`openocd -f board/<board>.cfg -c 'program zephyr.elf verify reset exit'` or `STM32_Programmer_CLI -c port=swd -w zephyr.bin 0x08000000`";

export async function flash(options: FlashOptions): Promise<FlashResult> {
  const env = options.env ?? process.env;
  const elf = path.join(options.firmwareDir, "zephyr.elf");
  await access(elf).catch(() => {
    throw new OcreError("OCRE_FIRMWARE_MISSING", `no firmware image at ${elf}`, {
      hint: `build it first: ocre build --firmware --board ${options.board.zephyrBoard}`,
    });
  });
  const west = await which("west", env);
  if (west === null) {
    throw new OcreError("OCRE_WEST_MISSING", "`ocre flash` runs `west flash`, and west is not installed", {
      details: [`  images: ${path.join(options.firmwareDir, "zephyr.{hex,bin,elf}")}`],
      hint: options.board.emulator
        ? `${WITHOUT_WEST}; or run it in QEMU: ocre emulate --board ${options.board.id}`
        : WITHOUT_WEST,
    });
  }
  const args = [
    "flash",
    "-d",
    options.buildTree,
    "--skip-rebuild",
    ...(options.runner ? ["--runner", options.runner] : []),
    ...(options.extraArgs?.length ? ["--", ...options.extraArgs] : []),
  ];
  const started = Date.now();
  const child = execa(west, args, {
    env: env as NodeJS.ProcessEnv,
    extendEnv: false,
    reject: false,
    all: true,
    buffer: false,
    stdin: "inherit",
  });
  child.all?.setEncoding("utf8");
  child.all?.on("data", (chunk: string) => options.onOutput?.(chunk));
  const result = await child;
  const exitCode = result.exitCode ?? 1;
  return { ok: exitCode === 0, exitCode, command: [west, ...args], durationMs: Date.now() - started };
}
