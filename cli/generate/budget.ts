import type { Board } from "../boards/types.js";
import type { ContainerSpec } from "../spec.js";
import { planFilesystem } from "./filesystem.js";
import { wamrPool, type ContainerBudget } from "./pool.js";

export type { ContainerBudget } from "./pool.js";

/**
 * Where the numbers come from (all Zephyr 3.7.1 + WAMR-2.4.5, fast interpreter, Debian
 * arm-none-eabi-gcc; ../shared/reference/zephyr-targets.md and docs/generate.md):
 * - WAMR's Zephyr `simple` sample on mps2-an521: 93 KB flash, 150 KB RAM (128 KB heap pool);
 * - ocre's own hello firmware on mps2-an521 (`ocre build --firmware`, size by section owner):
 *   flash Zephyr 23 KB, WAMR 53 KB, shim 8.9 KB; RAM outside the pool ~21 KB;
 * - a generated project on nrf52840dk: 104 KB flash, 149 KB RAM (128 KB pool).
 * The runtime and shim figures below are those measurements rounded up (flash with ~20% margin,
 * WAMR's code grows with the interpreter and the ISA); the boards' baselines in boards/*.yaml are
 * measured for mps2-an521 and estimated for the rest. The estimate should err on the side of
 * refusing: for both boards above it lands a few KB over the real size.
 */
export const RUNTIME_FLASH_KB = 65;
export const RUNTIME_RAM_KB = 4;
export const SHIM_FLASH_KB = 12;
export const SHIM_RAM_KB = 4;
/** Native thread per container (CONFIG_OCRE_CONTAINER_THREAD_STACK_SIZE). */
export const THREAD_STACK_BYTES = 8 * 1024;
/** CONFIG_MAIN_STACK_SIZE in the generated prj.conf. */
export const MAIN_STACK_BYTES = 4 * 1024;
const KB = 1024;

export interface MemoryBudget {
  readonly ram: {
    readonly totalBytes: number;
    readonly availableBytes: number;
    readonly zephyrBytes: number;
    readonly runtimeBytes: number;
    readonly heapPoolBytes: number;
    /** Part of the pool kept free so that a grow still finds one contiguous block. */
    readonly poolSlackBytes: number;
    readonly threadStackBytes: number;
    /**
     * The embedded containers' bytes: the generated main.c keeps them in a writable array
     * (.data; WAMR's loader may rewrite the buffer), so they are copied from flash into RAM.
     */
    readonly containerDataBytes: number;
    /** Code and constants in RAM on a board without execute-in-place flash (memory.xip: false); else 0. */
    readonly imageBytes: number;
    /** The containers' RAM disk and ext2's block cache (capability filesystem, cli/generate/filesystem.ts); else 0. */
    readonly filesystemBytes: number;
  };
  readonly flash: {
    readonly totalBytes: number;
    readonly availableBytes: number;
    readonly zephyrBytes: number;
    readonly runtimeBytes: number;
    readonly shimBytes: number;
    readonly modulesBytes: number;
  };
  readonly containers: readonly ContainerBudget[];
  readonly fits: boolean;
  readonly source: string;
}

/**
 * RAM = Zephyr baseline + runtime and shim statics + WAMR heap pool + thread stacks + the
 * containers' bytes (.data, copied from flash) + on a board without execute-in-place flash
 * (memory.xip: false) the code and constants too, since the whole image runs from RAM + the RAM
 * disk of containers with the `filesystem` capability;
 * flash = baseline + runtime + shim + the embedded modules. The pool follows from the containers
 * alone: every container's peak (linear memory during its last grow, WAMR stack, precompiled
 * code, instance bookkeeping) at the same time, the runtime's own allocations and the slack above.
 * The board's RAM only decides whether that fits.
 */
export function estimateBudget(board: Board, specs: readonly ContainerSpec[]): MemoryBudget {
  const { containers, slackBytes: slack, poolBytes: heapPool } = wamrPool(specs);
  const zephyrRam = board.memory.baseline.ramKb * KB;
  const runtimeRam = (RUNTIME_RAM_KB + SHIM_RAM_KB) * KB;
  const threadStacks = specs.length * THREAD_STACK_BYTES + MAIN_STACK_BYTES;
  const availableRam = board.memory.ramKb * KB;

  const modules = specs.reduce((sum, s) => sum + s.wasm.byteLength, 0);
  const flash = {
    zephyrBytes: board.memory.baseline.flashKb * KB,
    runtimeBytes: RUNTIME_FLASH_KB * KB,
    shimBytes: SHIM_FLASH_KB * KB,
    modulesBytes: modules,
  };
  const flashTotal = flash.zephyrBytes + flash.runtimeBytes + flash.shimBytes + flash.modulesBytes;
  const imageBytes = board.memory.xip === false ? flash.zephyrBytes + flash.runtimeBytes + flash.shimBytes : 0;
  const filesystemBytes = planFilesystem(board, specs)?.ramBytes ?? 0;
  const ramTotal = zephyrRam + runtimeRam + threadStacks + heapPool + modules + imageBytes + filesystemBytes;
  const availableFlash = board.memory.flashKb * KB;
  return {
    ram: {
      totalBytes: ramTotal,
      availableBytes: availableRam,
      zephyrBytes: zephyrRam,
      runtimeBytes: runtimeRam,
      heapPoolBytes: heapPool,
      poolSlackBytes: slack,
      threadStackBytes: threadStacks,
      containerDataBytes: modules,
      imageBytes,
      filesystemBytes,
    },
    flash: { totalBytes: flashTotal, availableBytes: availableFlash, ...flash },
    containers,
    fits: ramTotal <= availableRam && flashTotal <= availableFlash,
    source: "estimate: board baseline (boards/<id>.yaml) + WAMR sample footprint on mps2-an521 + container limits",
  };
}

export function kb(bytes: number): string {
  return `${Math.ceil(bytes / KB)} KB`;
}

/** Lines for an error or a verbose log: what each part takes. */
export function describeBudget(budget: MemoryBudget): string[] {
  const r = budget.ram;
  const f = budget.flash;
  return [
    `RAM   ${kb(r.totalBytes)} of ${kb(r.availableBytes)}: Zephyr ${kb(r.zephyrBytes)} + runtime/shim ${kb(r.runtimeBytes)} + WAMR heap pool ${kb(r.heapPoolBytes)} (${kb(r.poolSlackBytes)} of it slack) + stacks ${kb(r.threadStackBytes)} + containers ${kb(r.containerDataBytes)} (.data)${r.imageBytes > 0 ? ` + code ${kb(r.imageBytes)} (no XIP: the image runs from RAM)` : ""}${r.filesystemBytes > 0 ? ` + files ${kb(r.filesystemBytes)} (RAM disk)` : ""}`,
    `flash ${kb(f.totalBytes)} of ${kb(f.availableBytes)}: Zephyr ${kb(f.zephyrBytes)} + WAMR ${kb(f.runtimeBytes)} + shim ${kb(f.shimBytes)} + modules ${kb(f.modulesBytes)}`,
    ...budget.containers.map(
      (c) =>
        `  ${c.name}: linear memory ${kb(c.linearMemoryBytes)} (${kb(c.peakLinearMemoryBytes)} while growing) + WAMR stack ${kb(c.stackBytes)} + code ${kb(c.wasmBytes)} (pool share ${kb(c.poolBytes)})`,
    ),
  ];
}
