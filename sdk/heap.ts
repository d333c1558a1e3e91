/**
 * Growable memory (manifest memory.initialPages/maxPages): keeps AssemblyScript's allocator
 * out of the WAMR app heap (upstream defect 1). Fixed memory (memory.arena) needs none of this:
 * see below and sdk/rt/arena.ts.
 *
 * Upstream Ocre copies a received message (topic, content type, payload) into the receiver with
 * WAMR's module_malloc, whose heap WAMR places right after the memory the module declares: in
 * extra pages appended to the initial memory, so it lies inside `memory.size()` at startup.
 * AssemblyScript's allocators (stub and TLSF) treat all of `memory.size()` as theirs and would
 * overwrite those copies and the heap's own bookkeeping. So before anything else allocates,
 * this takes everything from the allocator's start to the end of the initial memory as one
 * block that is never written or freed. Later allocations grow the memory past the app heap.
 *
 * It goes through the public allocator (heap.alloc/heap.realloc), not runtime internals, and
 * works for both runtimes: the first allocation of a fresh allocator is the lowest block and the
 * only one in use, so growing it to the end of memory extends it in place (TLSF: it absorbs the
 * free block to its right; the stub re-allocates its just-freed last block) and writes no header
 * inside the app heap. The last 4 bytes stay outside the block (TLSF's tail marker, or the
 * stub's next block header, goes there); WAMR's heap never reaches them, as WAMR leaves the last
 * 1 KiB of its heap pages unused.
 */

// @ts-ignore: decorator
@inline const BLOCK_OVERHEAD: usize = sizeof<usize>();

// Exported only so that this file is a module: an editor that sees the SDK twice (through a
// symlinked node_modules) would otherwise report a duplicate global function.
export function reserveAppHeap(): void {
  const end = <usize>memory.size() << 16;
  const p = heap.alloc(1);
  if (p + BLOCK_OVERHEAD >= end) return;
  // The payload then ends at end - BLOCK_OVERHEAD, already a multiple of 16 minus the header.
  const size = end - BLOCK_OVERHEAD - p;
  if (ASC_RUNTIME == 0 /* stub */) {
    // The stub frees its last block and hands the same address out again: cheaper in code
    // than its realloc.
    heap.free(p);
    heap.alloc(size);
  } else {
    heap.realloc(p, size);
  }
}

// A fixed-memory container (manifest memory.arena; the build defines OCRE_ARENA_SIZE) has its
// allocator confined to an arena below the memory WAMR keeps (sdk/rt/arena.ts): WAMR puts the app
// heap after it, so there is nothing to reserve, and this file must not even ask memory.size().
// A build that knows the container gets no app heap (manifest memory.heap: 0) and never
// subscribes may say so with `--use OCRE_APP_HEAP=0`; then there is nothing to keep clear and
// the rest of the initial memory stays usable.
// @ts-ignore: defined by the build, if at all
if (isDefined(OCRE_ARENA_SIZE)) {
  // fixed memory: nothing to do
  // @ts-ignore: defined by the build, if at all
} else if (isDefined(OCRE_APP_HEAP)) {
  // @ts-ignore: defined by the build
  if (OCRE_APP_HEAP != 0) reserveAppHeap();
} else {
  reserveAppHeap();
}
