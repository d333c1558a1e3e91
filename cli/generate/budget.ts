import type { Board } from "../boards/types.js";
import type { ContainerSpec } from "../spec.js";
import { planFilesystem } from "./filesystem.js";
import { wamrPool, type ContainerBudget } from "./pool.js";
import type { AgentSettings } from "../config/types.js";

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
    /**
     * The device agent (ocre.yaml device.agent) besides its share of the pool (in
     * heapPoolBytes): stacks, buffers, the flash simulator, the network stack; else 0.
     */
    readonly agentBytes: number;
    /** Of agentBytes: pulls over https (device.agent.registryCa: mbedTLS's heap, TLS contexts); else 0. */
    readonly agentTlsBytes: number;
  };
  readonly flash: {
    readonly totalBytes: number;
    readonly availableBytes: number;
    readonly zephyrBytes: number;
    readonly runtimeBytes: number;
    readonly shimBytes: number;
    readonly modulesBytes: number;
    /** The device agent's code (and the network stack with tcp); else 0. */
    readonly agentBytes: number;
    /** Of agentBytes: mbedTLS's TLS, X.509, RSA and ECP code for pulls over https; else 0. */
    readonly agentTlsBytes: number;
    /** ext2 and Zephyr's file system layer for the RAM disk (capability filesystem); else 0. */
    readonly filesystemBytes: number;
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
 * flash = baseline + runtime + shim (+ ext2 for a RAM disk) + the embedded modules. The pool
 * follows from the containers alone: every container's peak (linear memory during its last
 * grow, WAMR stack, precompiled code, instance bookkeeping) at the same time, the runtime's own
 * allocations and the slack above.
 * The board's RAM only decides whether that fits.
 */
export function estimateBudget(board: Board, specs: readonly ContainerSpec[], agent?: AgentSettings): MemoryBudget {
  const { containers, slackBytes: slack, poolBytes: containersPool } = wamrPool(specs);
  const heapPool = containersPool + (agent?.pool ?? 0);
  const agentCost = agent
    ? agentBudget(board, agent)
    : { ramBytes: 0, flashBytes: 0, tlsRamBytes: 0, tlsFlashBytes: 0 };
  const zephyrRam = board.memory.baseline.ramKb * KB;
  const runtimeRam = (RUNTIME_RAM_KB + SHIM_RAM_KB) * KB;
  const threadStacks = specs.length * THREAD_STACK_BYTES + MAIN_STACK_BYTES;
  const availableRam = board.memory.ramKb * KB;

  const modules = specs.reduce((sum, s) => sum + s.wasm.byteLength, 0);
  const files = planFilesystem(board, specs);
  const flash = {
    zephyrBytes: board.memory.baseline.flashKb * KB,
    runtimeBytes: RUNTIME_FLASH_KB * KB,
    shimBytes: SHIM_FLASH_KB * KB,
    modulesBytes: modules,
    agentBytes: agentCost.flashBytes,
    agentTlsBytes: agentCost.tlsFlashBytes,
    filesystemBytes: files?.flashBytes ?? 0,
  };
  const code = flash.zephyrBytes + flash.runtimeBytes + flash.shimBytes + flash.agentBytes + flash.filesystemBytes;
  const flashTotal = code + flash.modulesBytes;
  const imageBytes = board.memory.xip === false ? code : 0;
  const filesystemBytes = files?.ramBytes ?? 0;
  const ramTotal =
    zephyrRam + runtimeRam + threadStacks + heapPool + modules + imageBytes + filesystemBytes + agentCost.ramBytes;
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
      agentBytes: agentCost.ramBytes,
      agentTlsBytes: agentCost.tlsRamBytes,
    },
    flash: { totalBytes: flashTotal, availableBytes: availableFlash, ...flash },
    containers,
    fits: ramTotal <= availableRam && flashTotal <= availableFlash,
    source: "estimate: board baseline (boards/<id>.yaml) + WAMR sample footprint on mps2-an521 + container limits",
  };
}

/*
 * The device agent's cost beyond its pool, the flash simulator and its runtime slots, from the
 * linker figures of blinky's firmware on mps2-an521 with --trust, with and without the agent
 * (Zephyr 3.7.1, arm-none-eabi-gcc 12.2, -Os; docs/deploy.md "What it costs"), rounded up:
 * the agent with the serial transport +28,564 B flash and +35,616 B RAM, with tcp +88,980 B
 * flash (Zephyr's network stack and driver) and +76,216 B RAM (network buffers and threads, the
 * server's stack and frames, the pull's buffers); an earlier build without any transport gave
 * +19,660 B flash and +9,248 B RAM, the part both share.
 */
const AGENT_FLASH_KB = 20;
const AGENT_RAM_KB = 10;
const AGENT_SERIAL_FLASH_KB = 9;
const AGENT_SERIAL_RAM_KB = 26;
const AGENT_TCP_FLASH_KB = 68;
const AGENT_TCP_RAM_KB = 66;
/*
 * Pulls over https (device.agent.registryCa; docs/deploy.md "TLS"): the same hello firmware with
 * --trust --agent tcp on mps2-an521 (Zephyr 3.7.1, arm-none-eabi-gcc 12.2, -Os) built with and
 * without cli/generate/agent.ts's TLS_KCONFIG, linker figures: +90,276 B flash (mbedTLS's TLS, X.509,
 * RSA and ECP code), +63,824 B RAM (mbedTLS's 48 KiB heap, TLS socket contexts, the larger
 * transport stack, more descriptors and connections), rounded up.
 */
const AGENT_TLS_FLASH_KB = 89;
const AGENT_TLS_RAM_KB = 63;
/* ocre_container record of one more runtime slot (mps2-an521: 2,832 B per slot). */
const CONTAINER_RECORD_BYTES = 2832;

interface AgentCost {
  readonly ramBytes: number;
  readonly flashBytes: number;
  /** The part of both for pulls over https; 0 without a registry CA. */
  readonly tlsRamBytes: number;
  readonly tlsFlashBytes: number;
}

function agentBudget(board: Board, agent: AgentSettings): AgentCost {
  const tcp = agent.transports.includes("tcp");
  const serial = agent.transports.includes("serial");
  // As cli/generate/agent.ts: https needs the pull, which needs tcp (planAgent refuses the rest).
  const tls = tcp && agent.pull && agent.registryCa !== undefined;
  const store = board.agent?.store;
  const simulatorBytes = store !== undefined && "simulatorKb" in store ? store.simulatorKb * KB : 0;
  const tlsRamBytes = tls ? AGENT_TLS_RAM_KB * KB : 0;
  const tlsFlashBytes = tls ? AGENT_TLS_FLASH_KB * KB : 0;
  const ramKb = AGENT_RAM_KB + (tcp ? AGENT_TCP_RAM_KB : 0) + (serial ? AGENT_SERIAL_RAM_KB : 0);
  const flashKb = AGENT_FLASH_KB + (tcp ? AGENT_TCP_FLASH_KB : 0) + (serial ? AGENT_SERIAL_FLASH_KB : 0);
  return {
    ramBytes:
      ramKb * KB + agent.maxRunning * (THREAD_STACK_BYTES + CONTAINER_RECORD_BYTES) + simulatorBytes + tlsRamBytes,
    flashBytes: flashKb * KB + tlsFlashBytes,
    tlsRamBytes,
    tlsFlashBytes,
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
    `RAM   ${kb(r.totalBytes)} of ${kb(r.availableBytes)}: Zephyr ${kb(r.zephyrBytes)} + runtime/shim ${kb(r.runtimeBytes)} + WAMR heap pool ${kb(r.heapPoolBytes)} (${kb(r.poolSlackBytes)} of it slack) + stacks ${kb(r.threadStackBytes)} + containers ${kb(r.containerDataBytes)} (.data)${r.imageBytes > 0 ? ` + code ${kb(r.imageBytes)} (no XIP: the image runs from RAM)` : ""}${r.filesystemBytes > 0 ? ` + files ${kb(r.filesystemBytes)} (RAM disk)` : ""}${r.agentBytes > 0 ? ` + device agent ${kb(r.agentBytes)}${r.agentTlsBytes > 0 ? ` (${kb(r.agentTlsBytes)} of it https pulls)` : ""}` : ""}`,
    `flash ${kb(f.totalBytes)} of ${kb(f.availableBytes)}: Zephyr ${kb(f.zephyrBytes)} + WAMR ${kb(f.runtimeBytes)} + shim ${kb(f.shimBytes)}${f.filesystemBytes > 0 ? ` + files ${kb(f.filesystemBytes)}` : ""} + modules ${kb(f.modulesBytes)}${f.agentBytes > 0 ? ` + device agent ${kb(f.agentBytes)}${f.agentTlsBytes > 0 ? ` (${kb(f.agentTlsBytes)} of it https pulls)` : ""}` : ""}`,
    ...budget.containers.map(
      (c) =>
        `  ${c.name}: linear memory ${kb(c.linearMemoryBytes)} (${kb(c.peakLinearMemoryBytes)} while growing) + WAMR stack ${kb(c.stackBytes)} + code ${kb(c.wasmBytes)} (pool share ${kb(c.poolBytes)})`,
    ),
  ];
}
