import type { ContainerSpec } from "../spec.js";
import { fixedLinearMemoryBytes } from "../pipeline/fixed-memory.js";

/**
 * The WAMR heap pool (CONFIG_OCRE_WAMR_HEAP_POOL_SIZE): what the containers take from it,
 * measured. Zephyr 3.7.1 + WAMR-2.4.5 (fast interpreter) on mps2/an521/cpu0, firmware built with
 * CONFIG_OCRE_LOG_LEVEL_DBG=y, which logs wasm_runtime_get_mem_alloc_info() once a container's
 * instance and execution stack exist (wamr-glue/src/wamr/ocre_wamr_engine.c):
 *   pubsub, fixed memory: subscriber (1,982 B of code, 1,888 B memory + 4,096 B app heap,
 *   8 KiB stack) 20,408 B in use; then the publisher (1,838 B code, 1,392 B memory, 8 KiB stack)
 *   31,488 B, high mark 31,488 B (loading leaves no larger peak behind).
 * So besides each container's linear memory and stack: the publisher's module and instance took
 * 1,496 B (0.8x its code); the runtime's own allocations plus the subscriber's module and
 * instance 6,232 B. Counted with margin: 2x the code + 1 KiB per container, 6 KiB for the runtime.
 * Earlier growable measurement (hello, one 64 KiB page, 8 KiB stack): a 72 KiB pool failed to
 * instantiate, 80 KiB booted: consistent with the same terms.
 */
export const POOL_BASE_BYTES = 6 * 1024;
/** Loader and instance structures per byte of code (measured 0.8, see above). */
export const CODE_FACTOR = 2;
export const INSTANCE_OVERHEAD_BYTES = 1024;
/** Pool margin for containers that never grow (loader temporaries, allocator headers, alignment). */
export const MIN_POOL_SLACK_BYTES = 8 * 1024;
const PAGE = 64 * 1024;

export interface ContainerBudget {
  readonly name: string;
  readonly wasmBytes: number;
  /** Linear memory at its maximum, with the WAMR app heap. */
  readonly linearMemoryBytes: number;
  /** The most linear memory the container holds at once: a grow keeps old and new alive. */
  readonly peakLinearMemoryBytes: number;
  readonly stackBytes: number;
  readonly poolBytes: number;
}

/**
 * WAMR 2.x places the app heap after the module's memory: for fixed memory right after static
 * data + arena (pipeline/fixed-memory.ts); for growable memory appended in whole pages (which
 * raise the initial size and the maximum too), except for a one-page memory (initial = max = 1),
 * where it enlarges that page.
 */
export function linearMemoryBytes(memory: ContainerSpec["memory"]): number {
  if (memory.fixedBytes !== undefined) return fixedLinearMemoryBytes(memory.fixedBytes, memory.heapBytes);
  if (memory.heapBytes === 0) return memory.maxPages * PAGE;
  if (memory.initialPages === 1 && memory.maxPages === 1) return PAGE + memory.heapBytes;
  return (memory.maxPages + Math.ceil(memory.heapBytes / PAGE)) * PAGE;
}

/**
 * WAMR on Zephyr grows a linear memory by allocating the new size from the pool, copying and
 * freeing the old block (WAMR-2.4.5 os_mremap_slow, never in place). The worst step is the last
 * one, from max-1 pages to max: both blocks are alive at once. A memory that cannot grow
 * (initial = max, or fixed) needs only itself.
 */
export function peakLinearMemoryBytes(memory: ContainerSpec["memory"]): number {
  const max = linearMemoryBytes(memory);
  return memory.fixedBytes === undefined && memory.initialPages < memory.maxPages ? 2 * max - PAGE : max;
}

export function containerPoolBytes(spec: ContainerSpec): ContainerBudget {
  const linear = linearMemoryBytes(spec.memory);
  const peak = peakLinearMemoryBytes(spec.memory);
  return {
    name: spec.name,
    wasmBytes: spec.wasm.byteLength,
    linearMemoryBytes: linear,
    peakLinearMemoryBytes: peak,
    stackBytes: spec.memory.stackBytes,
    poolBytes: peak + spec.memory.stackBytes + CODE_FACTOR * spec.wasm.byteLength + INSTANCE_OVERHEAD_BYTES,
  };
}

/**
 * Fragmentation: when a container grows, its old block is freed between live ones and the holes
 * left behind may be too small for the next grow. Keeping one more largest memory free bounds
 * that (pubsub with growable memories on mps2-an521, 10 boots each: a 512 KiB pool failed 4 in
 * 10, 640 KiB and more never). Containers that never grow allocate once, in order, and free
 * nothing large: a small margin suffices (pubsub, fixed memory: 10 boots in 10).
 */
export function poolSlackBytes(specs: readonly ContainerSpec[], containers: readonly ContainerBudget[]): number {
  const grows = specs.some((s) => s.memory.fixedBytes === undefined && s.memory.initialPages < s.memory.maxPages);
  if (!grows) return MIN_POOL_SLACK_BYTES;
  return Math.max(MIN_POOL_SLACK_BYTES, ...containers.map((c) => c.linearMemoryBytes));
}

/** The pool for these containers: the runtime's own share, every container at its peak, the slack; in 4 KiB steps. */
export function wamrPool(specs: readonly ContainerSpec[]): {
  containers: ContainerBudget[];
  slackBytes: number;
  poolBytes: number;
} {
  const containers = specs.map(containerPoolBytes);
  const slackBytes = poolSlackBytes(specs, containers);
  const total = POOL_BASE_BYTES + containers.reduce((sum, c) => sum + c.poolBytes, 0) + slackBytes;
  return { containers, slackBytes, poolBytes: Math.ceil(total / 4096) * 4096 };
}
