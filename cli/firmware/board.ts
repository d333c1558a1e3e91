import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { OcreError } from "../errors.js";
import { boardsDir } from "../paths.js";
import { closest } from "../util/suggest.js";

/**
 * What the firmware stages need from a board: its Zephyr target, architecture, memory totals,
 * emulator and toolchains. A view over the board catalog entry (boards/<id>.yaml).
 */
export interface FirmwareBoard {
  /** Catalog id (boards/<id>.yaml). */
  readonly id: string;
  /** Architecture family the toolchain follows. */
  readonly family: "arm" | "riscv" | "xtensa" | "mips";
  readonly arch: string;
  /** Zephyr board target for the Zephyr version in use (hardware model v2 name). */
  readonly zephyrBoard: string;
  readonly ramBytes: number | null;
  readonly flashBytes: number | null;
  /** Emulator command line (argv), without the kernel argument; null when the board has none. */
  readonly emulator: readonly string[] | null;
  /** Zephyr SDK toolchain triple, e.g. arm-zephyr-eabi. */
  readonly zephyrSdkTriple: string | null;
  /** Debian's GNU toolchain for the board; null when Debian has none (ESP32 Xtensa). */
  readonly gnu: {
    readonly packages: readonly string[];
    readonly variant: "gnuarmemb" | "cross-compile";
    readonly compiler: string;
    readonly cflags: readonly string[];
  } | null;
}

interface ZephyrName {
  since: string;
  until?: string;
  board: string;
}

interface CatalogEntry {
  id: string;
  arch: string;
  zephyr: ZephyrName[];
  memory?: { ramKb?: number; flashKb?: number };
  emulator?: { command: string };
  toolchain?: {
    zephyrSdk?: string;
    debian?: { packages: string[]; variant: "gnuarmemb" | "cross-compile"; compiler: string; cflags?: string[] } | null;
  };
}

export function familyOf(arch: string): FirmwareBoard["family"] {
  if (/^(cortex|arm|thumb)/i.test(arch)) return "arm";
  if (/^riscv|^rv/i.test(arch)) return "riscv";
  if (/^xtensa/i.test(arch)) return "xtensa";
  if (/^mips/i.test(arch)) return "mips";
  throw new OcreError("OCRE_BOARD_ARCH", `unsupported architecture "${arch}"`, { hint: "supported: Cortex-M, RISC-V, Xtensa, MIPS" }, );
}

/** "3.7.1" → [3, 7]; compares major.minor. */
function versionKey(v: string): number {
  const [major = 0, minor = 0] = v.split(".").map(Number);
  return major * 1000 + minor;
}

/** The Zephyr board target valid for `zephyrVersion` (newest entry when the version is unknown). */
function zephyrNameFor(entry: CatalogEntry, zephyrVersion: string | null): string {
  const names = [...entry.zephyr].sort((a, b) => versionKey(b.since) - versionKey(a.since));
  if (zephyrVersion !== null) {
    const key = versionKey(zephyrVersion);
    const match = names.find((n) => versionKey(n.since) <= key && (n.until === undefined || key <= versionKey(n.until)));
    if (match) return match.board;
  }
  return names[0]?.board ?? entry.id;
}

function toBoard(entry: CatalogEntry, zephyrVersion: string | null): FirmwareBoard {
  const debian = entry.toolchain?.debian ?? null;
  return {
    id: entry.id,
    family: familyOf(entry.arch),
    arch: entry.arch,
    zephyrBoard: zephyrNameFor(entry, zephyrVersion),
    ramBytes: entry.memory?.ramKb === undefined ? null : entry.memory.ramKb * 1024,
    flashBytes: entry.memory?.flashKb === undefined ? null : entry.memory.flashKb * 1024,
    emulator: entry.emulator ? entry.emulator.command.trim().split(/\s+/) : null,
    zephyrSdkTriple: entry.toolchain?.zephyrSdk ?? null,
    gnu: debian ? { packages: debian.packages, variant: debian.variant, compiler: debian.compiler, cflags: debian.cflags ?? [] } : null,
  };
}

async function readCatalog(dir: string): Promise<CatalogEntry[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  return Promise.all(files.map(async (f) => parse(await readFile(path.join(dir, f), "utf8")) as CatalogEntry));
}

/**
 * Finds a board by catalog id or by any of its Zephyr board targets (mps2-an521 or
 * mps2/an521/cpu0). `zephyrVersion` picks the target name valid for that Zephyr release.
 */
export async function loadFirmwareBoard(name: string, zephyrVersion: string | null = null, dir: string = boardsDir): Promise<FirmwareBoard> {
  const catalog = await readCatalog(dir);
  const entry = catalog.find((e) => e.id === name || e.zephyr.some((z) => z.board === name));
  if (!entry) {
    const candidates = catalog.flatMap((e) => [e.id, ...e.zephyr.map((z) => z.board)]);
    const near = closest(name, candidates);
    throw new OcreError("OCRE_BOARD_UNKNOWN", `no board "${name}"`, {
      hint: near.length > 0 ? `did you mean ${near.join(", ")}? (\`ocre boards\` lists them)` : "`ocre boards` lists the boards ocre knows",
    });
  }
  return toBoard(entry, zephyrVersion);
}

/** Every board in the catalog (for `ocre doctor` without --board). */
export async function loadAllFirmwareBoards(dir: string = boardsDir): Promise<FirmwareBoard[]> {
  return (await readCatalog(dir)).map((e) => toBoard(e, null));
}
