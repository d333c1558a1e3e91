/**
 * AssemblyScript's "minimal" runtime (two-colour mark & sweep, ~lib/rt/tcms.ts, collected only
 * when __collect() is called: the SDK's event loop calls it between events) over an allocator
 * confined to the fixed arena (see arena.ts). index-fixed-minimal.ts imports it as the compiler's runtime
 * (in place of ~lib/rt/index-stub or index-minimal; cli/pipeline/compile.ts) for a fixed-memory container with `runtime: minimal`.
 *
 * The allocator replaces TLSF (which sizes itself from memory.size() and grows memory): one
 * address-ordered free list, first fit, neighbours merged on free. Block layout as TLSF's, so
 * the collector reads it unchanged: a usize header (the payload size; multiple of 16 minus 4,
 * so its low two bits are clear) before a 16-byte-aligned payload. Arenas are small (KBs), so
 * a list walk costs little.
 */
import { AL_MASK, BLOCK_OVERHEAD } from "~lib/rt/common";
import { arenaStart, arenaEnd, outOfMemory } from "./arena";
import "~lib/rt/tcms";

/** Smallest payload: a free block keeps its `next` link in it; block total stays a multiple of 16. */
// @ts-ignore: decorator
@inline const MIN_PAYLOAD: usize = AL_MASK + 1 - BLOCK_OVERHEAD;

// @ts-ignore: decorator
@inline function sizeOf(block: usize): usize {
  return load<usize>(block);
}
// @ts-ignore: decorator
@inline function nextOf(block: usize): usize {
  return load<usize>(block, BLOCK_OVERHEAD);
}
// @ts-ignore: decorator
@inline function setNext(block: usize, next: usize): void {
  store<usize>(block, next, BLOCK_OVERHEAD);
}

/** The whole arena as one free block, on first use. */
function initialFreeList(): usize {
  const block = ((arenaStart() + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
  const end = arenaEnd();
  if (block + BLOCK_OVERHEAD + MIN_PAYLOAD > end) return 0;
  store<usize>(block, ((end - block) & ~AL_MASK) - BLOCK_OVERHEAD);
  setNext(block, 0);
  return block;
}

/** Lowest free block (its header address), 0 when none is left. */
// @ts-ignore: decorator
@lazy let freeList: usize = initialFreeList();

// @ts-ignore: decorator
@inline function computeSize(size: usize): usize {
  return size <= MIN_PAYLOAD ? MIN_PAYLOAD : ((size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
}

/** Puts a block on the free list in address order, merged with free neighbours. */
function release(block: usize): void {
  let size = sizeOf(block);
  let prev: usize = 0;
  let next = freeList;
  while (next != 0 && next < block) {
    prev = next;
    next = nextOf(next);
  }
  if (next != 0 && block + BLOCK_OVERHEAD + size == next) {
    size += BLOCK_OVERHEAD + sizeOf(next);
    next = nextOf(next);
  }
  if (prev != 0 && prev + BLOCK_OVERHEAD + sizeOf(prev) == block) {
    store<usize>(prev, sizeOf(prev) + BLOCK_OVERHEAD + size);
    setNext(prev, next);
    return;
  }
  store<usize>(block, size);
  setNext(block, next);
  if (prev != 0) setNext(prev, block);
  else freeList = block;
}

/** Cuts `block` down to `size` and frees the rest when the rest makes a block of its own. */
function trim(block: usize, size: usize): void {
  const rest = sizeOf(block) - size;
  if (rest < BLOCK_OVERHEAD + MIN_PAYLOAD) return;
  store<usize>(block, size);
  const tail = block + BLOCK_OVERHEAD + size;
  store<usize>(tail, rest - BLOCK_OVERHEAD);
  release(tail);
}

/** Takes the free block `block` (after `prev`) off the list. */
// @ts-ignore: decorator
@inline function unlink(prev: usize, block: usize): void {
  if (prev != 0) setNext(prev, nextOf(block));
  else freeList = nextOf(block);
}

// @ts-ignore: decorator
@unsafe @global
export function __alloc(size: usize): usize {
  if (size > arenaEnd()) outOfMemory();
  const need = computeSize(size);
  let prev: usize = 0;
  let block = freeList;
  while (block != 0) {
    if (sizeOf(block) >= need) {
      unlink(prev, block);
      trim(block, need);
      return block + BLOCK_OVERHEAD;
    }
    prev = block;
    block = nextOf(block);
  }
  outOfMemory();
  return 0;
}

// @ts-ignore: decorator
@unsafe @global
export function __realloc(ptr: usize, size: usize): usize {
  if (size > arenaEnd()) outOfMemory();
  const need = computeSize(size);
  const block = ptr - BLOCK_OVERHEAD;
  const have = sizeOf(block);
  if (need <= have) {
    trim(block, need);
    return ptr;
  }
  // Grow in place when the block after this one is free and large enough.
  const after = ptr + have;
  let prev: usize = 0;
  let free = freeList;
  while (free != 0 && free < after) {
    prev = free;
    free = nextOf(free);
  }
  if (free == after && have + BLOCK_OVERHEAD + sizeOf(free) >= need) {
    unlink(prev, free);
    store<usize>(block, have + BLOCK_OVERHEAD + sizeOf(free));
    trim(block, need);
    return ptr;
  }
  const moved = __alloc(size);
  memory.copy(moved, ptr, have);
  release(block);
  return moved;
}

// @ts-ignore: decorator
@unsafe @global
export function __free(ptr: usize): void {
  release(ptr - BLOCK_OVERHEAD);
}
