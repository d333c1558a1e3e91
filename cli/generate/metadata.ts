import { CAPABILITY_DEFS } from "../abi/contract.js";
import { OCRE_ABI, type Feature } from "../abi/table.js";
import type { Board } from "../boards/types.js";
import type { ContainerSpec } from "../spec.js";
import { planFilesystem, type FilesystemPlan } from "./filesystem.js";

/** Capability name → OCRE_CAP_* macro (bits: cli/abi/contract.ts, rendered into ocre/ocre_abi.h). */
export const CAPABILITY_MACROS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(CAPABILITY_DEFS.map((c) => [c.name, c.macro])),
);

/** `OCRE_CAP_TIMERS | OCRE_CAP_GPIO`, or `0u`. Unknown names were rejected by the manifest schema. */
export function capabilityExpression(capabilities: readonly string[]): string {
  const macros = [...new Set(capabilities)]
    .map((c) => CAPABILITY_MACROS[c])
    .filter((m): m is string => m !== undefined);
  return macros.length === 0 ? "0u" : macros.join(" | ");
}

/** Ocre feature → Kconfig symbol (without CONFIG_). "core" is always in. */
export const FEATURE_SYMBOLS: Readonly<Record<Exclude<Feature, "core">, string>> = Object.freeze({
  timers: "OCRE_TIMERS",
  gpio: "OCRE_GPIO",
  sensors: "OCRE_SENSORS",
  messaging: "OCRE_MESSAGING",
});

/**
 * GPIO edge events, a part of the GPIO feature compiled in only when a container registers
 * callbacks (Kconfig OCRE_GPIO_EVENTS): the interrupt path and the work queue cost about 1.7 KB
 * of flash that blinky (output only) does not need.
 */
const GPIO_EVENT_CALLS: ReadonlySet<string> = new Set(
  OCRE_ABI.filter((f) => f.feature === "gpio" && /_callback(_by_name)?$/.test(f.name)).map((f) => f.name),
);

/** Zephyr subsystems a feature's shim code needs. */
const FEATURE_ZEPHYR: Readonly<Partial<Record<Feature, readonly string[]>>> = Object.freeze({
  gpio: ["CONFIG_GPIO=y"],
  sensors: ["CONFIG_SENSOR=y"],
});

export interface KconfigPlan {
  readonly features: readonly { symbol: string; enabled: boolean }[];
  /** OCRE_WASI_MINIMAL or OCRE_WASI_FULL. */
  readonly wasi: string;
  /** OCRE_INTERP_FAST or OCRE_INTERP_CLASSIC. */
  readonly interpreter: string;
  /** Zephyr options the enabled features need (prj.conf). */
  readonly zephyr: readonly string[];
  /** Board fragment lines (boards/<board>.conf). */
  readonly board: readonly string[];
  /** Files for containers with the `filesystem` capability (prj.conf lines and overlay). */
  readonly filesystem: FilesystemPlan | undefined;
}

/**
 * The features a firmware with the device agent offers to the containers it installs later,
 * whatever the embedded ones import: every feature the board has hardware for.
 */
function agentFeatures(board: Board): Feature[] {
  return [
    "timers",
    "messaging",
    ...(board.aliases.length > 0 ? (["gpio"] as const) : []),
    ...(board.sensors.length > 0 ? (["sensors"] as const) : []),
  ];
}

/**
 * What the containers import decides what is compiled in; everything else is explicitly off.
 * With the device agent (`agent`), every feature of the board is in, GPIO edge events included:
 * a container installed later must not find its calls compiled out.
 */
export function planKconfig(board: Board, specs: readonly ContainerSpec[], agent = false): KconfigPlan {
  const used = new Set<Feature>([...specs.flatMap((s) => s.features), ...(agent ? agentFeatures(board) : [])]);
  const features = (Object.keys(FEATURE_SYMBOLS) as (keyof typeof FEATURE_SYMBOLS)[]).map((feature) => ({
    symbol: FEATURE_SYMBOLS[feature],
    enabled: used.has(feature),
  }));
  if (used.has("gpio"))
    features.push({
      symbol: "OCRE_GPIO_EVENTS",
      enabled: agent || specs.some((s) => s.imports.some((i) => i.module === "env" && GPIO_EVENT_CALLS.has(i.name))),
    });
  // Full WASI only for containers granted sockets; the minimal set serves stdio, args, environ,
  // clocks, random and, with CONFIG_OCRE_WASI_FS, files (WAMR's libc-wasi does not build with
  // Zephyr 3.7's minimal libc: zephyr-module/Kconfig).
  const full = specs.some((s) => s.capabilities.includes("networking"));
  const zephyr = [...new Set([...used].flatMap((f) => FEATURE_ZEPHYR[f] ?? []))];
  // WAMR's *_VFP targets use the hard-float ABI (invokeNative_thumb_vfp.s): Zephyr must be built
  // for the FPU with the hard ABI too; board defaults leave the FPU off.
  const boardLines = [
    ...(board.wamrTarget.endsWith("_VFP") ? ["CONFIG_FPU=y", "CONFIG_FP_HARDABI=y"] : []),
    ...board.kconfig,
  ];
  return {
    features,
    wasi: full ? "OCRE_WASI_FULL" : "OCRE_WASI_MINIMAL",
    interpreter: board.interpreter === "classic" ? "OCRE_INTERP_CLASSIC" : "OCRE_INTERP_FAST",
    zephyr,
    board: [...new Set(boardLines)],
    filesystem: planFilesystem(board, specs),
  };
}
