/**
 * The arena of a fixed-memory container (manifest `memory.arena`): the SDK's allocator hands
 * out memory only from [arenaStart(), arenaEnd()), right after the app's static data, and the
 * module never grows or even asks the size of its memory. The build exports `__data_end` (the
 * end of static data) and `__heap_base` (the end of the arena) so that WAMR shrinks the linear
 * memory to exactly that and places its app heap (copies of received messages) after it
 * (WAMR 2.4 wasm_loader.c: no memory.size/memory.grow, both globals exported and constant).
 * The build computes `__heap_base` with the same formula as arenaEnd() below
 * (cli/pipeline/fixed-memory.ts); a test checks they agree.
 */
import { AL_MASK } from "~lib/rt/common";

// Declared here rather than imported from ../bindings/wasi: the build serves this file as part of
// the compiler's library (~lib/rt/), where the SDK's other files are not visible. Binaryen merges
// the duplicate import when the app uses the console too.
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: i32, iovs: usize, iovsLen: i32, nwritten: usize): i32;

// @ts-ignore: decorator
@inline export function arenaStart(): usize {
  return (__heap_base + AL_MASK) & ~AL_MASK;
}

// @ts-ignore: decorator
@inline export function arenaEnd(): usize {
  // @ts-ignore: defined by the build (--use OCRE_ARENA_SIZE=<bytes>, a multiple of 16)
  return arenaStart() + <usize>OCRE_ARENA_SIZE;
}

/** The message, then one iovec and the nwritten out-value, in static memory. */
// @ts-ignore: decorator
@lazy const OOM_TEXT: usize = memory.data<u8>([
  0x6f, 0x63, 0x72, 0x65, 0x3a, 0x20, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x2e, 0x61, 0x72, 0x65, 0x6e, 0x61, 0x20, 0x65,
  0x78, 0x68, 0x61, 0x75, 0x73, 0x74, 0x65, 0x64, 0x0a,
]); // "ocre: memory.arena exhausted\n"
// @ts-ignore: decorator
@inline const OOM_LENGTH: usize = 29;
// @ts-ignore: decorator
@lazy const oomIov: usize = memory.data(12, 4);

/**
 * The arena is exhausted: say so on stderr (the device log), then trap. Nothing in the arena
 * is touched, so the message is written even when memory is full.
 */
export function outOfMemory(): void {
  store<usize>(oomIov, OOM_TEXT);
  store<usize>(oomIov, OOM_LENGTH, 4);
  fd_write(2, oomIov, 1, oomIov + 8);
  unreachable();
}
