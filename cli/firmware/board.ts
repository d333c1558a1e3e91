import { findBoard } from "../boards/catalog.js";
import { planCatalog } from "../config/plan.js";
import type { Board, ZephyrTarget } from "../boards/types.js";
import { DEFAULT_ZEPHYR, targetCovers } from "../boards/zephyr.js";
import { OcreError } from "../errors.js";

/**
 * What the firmware stages need from a board catalog entry (cli/boards/): its Zephyr target
 * for the Zephyr version in use, architecture family, memory totals, emulator and toolchains.
 */
export interface FirmwareBoard {
  /** Catalog id (boards/<id>.yaml); names the build/<id>/ folder. */
  readonly id: string;
  /** Architecture family the toolchain follows. */
  readonly family: "arm" | "riscv" | "xtensa" | "mips" | "native";
  readonly arch: string;
  /** Zephyr board target (hardware model v2 name) for the Zephyr version in use. */
  readonly zephyrBoard: string;
  /** Zephyr modules (west project names) the board needs, e.g. cmsis. */
  readonly modules: readonly string[];
  readonly ramBytes: number;
  readonly flashBytes: number;
  /** Emulator command line (argv) without the kernel argument; null when the board has none. */
  readonly emulator: readonly string[] | null;
  /** QEMU's -nic model of the board's network interface (the agent's tcp transport); null: none. */
  readonly nic: string | null;
  /** Zephyr SDK toolchain triple, e.g. arm-zephyr-eabi. */
  readonly zephyrSdkTriple: string;
  /** Debian's GNU toolchain for the board; null when Debian has none (ESP32 Xtensa). */
  readonly gnu: Board["toolchain"]["debian"];
  /** The board file's Kconfig lines (the C library choice among them). */
  readonly kconfig: readonly string[];
  /** What has been verified for the board, and the check that showed it (doctor prints both). */
  readonly status: Board["status"];
  readonly evidence: Board["evidence"] | null;
}

export function familyOf(arch: Board["arch"]): FirmwareBoard["family"] {
  if (arch.startsWith("cortex-m")) return "arm";
  if (arch.startsWith("riscv")) return "riscv";
  if (arch === "xtensa") return "xtensa";
  // native_sim: Zephyr built as a program for this machine (x86-64 Linux).
  if (arch === "x86-64") return "native";
  return "mips";
}

/** The target valid for a Zephyr version ("3.7.1" or "3.7"), else the newest entry. */
function targetFor(board: Board, zephyrVersion: string): ZephyrTarget {
  const majorMinor = zephyrVersion.split(".").slice(0, 2).join(".");
  return board.zephyr.find((t) => targetCovers(t, majorMinor)) ?? board.zephyr[board.zephyr.length - 1]!;
}

export function firmwareBoard(board: Board, zephyrVersion: string = DEFAULT_ZEPHYR): FirmwareBoard {
  const target = targetFor(board, zephyrVersion);
  return {
    id: board.id,
    family: familyOf(board.arch),
    arch: board.arch,
    zephyrBoard: target.board,
    modules: target.modules,
    ramBytes: board.memory.ramKb * 1024,
    flashBytes: board.memory.flashKb * 1024,
    emulator: board.emulator ? board.emulator.command.trim().split(/\s+/) : null,
    nic: board.agent?.network?.nic ?? null,
    zephyrSdkTriple: board.toolchain.zephyrSdk,
    gnu: board.toolchain.debian,
    kconfig: board.kconfig,
    status: board.status,
    evidence: board.evidence ?? null,
  };
}

/** Where a command finds boards: the app's boards/ and its --board-root folders (as `ocre build`). */
export interface BoardLookup {
  readonly appDir?: string;
  readonly boardRoots?: readonly string[];
  readonly zephyrVersion?: string;
}

/**
 * Finds a board by catalog id or Zephyr board target (mps2-an521 or mps2/an521/cpu0) in the
 * catalog `ocre build` resolves (cli/config/plan.ts planCatalog), with every root.
 */
export async function loadFirmwareBoard(name: string, options: BoardLookup = {}): Promise<FirmwareBoard> {
  const catalog = await planCatalog(options.appDir ?? process.cwd(), options.boardRoots);
  return firmwareBoard(findBoard(catalog, name).board, options.zephyrVersion);
}

/** Every board in the catalog (for `ocre doctor` without --board). */
export async function loadAllFirmwareBoards(options: BoardLookup = {}): Promise<FirmwareBoard[]> {
  const catalog = await planCatalog(options.appDir ?? process.cwd(), options.boardRoots);
  if (catalog.boards.length === 0)
    throw new OcreError("OCRE_BOARD_CATALOG", "the board catalog is empty", { exitCode: 2 });
  return catalog.boards.map((b) => firmwareBoard(b.board));
}
