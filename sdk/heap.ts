/**
 * Keeps AssemblyScript's allocator out of the WAMR app heap (upstream defect 1).
 *
 * Upstream Ocre copies a received message (topic, content type, payload) into the receiver with
 * WAMR's module_malloc, whose heap WAMR places right after the memory the module declares: in
 * extra pages appended to the initial memory, so it lies inside `memory.size()` at startup.
 * AssemblyScript's allocators (stub and TLSF) treat all of `memory.size()` as theirs and would
 * overwrite those copies and the heap's own bookkeeping. So before anything else allocates,
 * this takes everything from the allocator's start to the end of the initial memory as blocks
 * that are never written or freed. Later allocations grow the memory past the app heap.
 *
 * It goes through the public allocator (heap.alloc) rather than runtime internals, and works for
 * both runtimes: TLSF rounds a large request up to its size class, so each request asks for 7/8
 * of the room left (always found in the one free block) and the loop takes the rest; the last
 * request is exact. It only reads the block header word that every AssemblyScript runtime keeps
 * before a block (size in the upper bits).
 */

// @ts-ignore: decorator
@inline const BLOCK_OVERHEAD: usize = sizeof<usize>();

/** Payload size of the block at `ptr`, from its header (the low 2 bits are TLSF flags). */
// @ts-ignore: decorator
@inline function blockSize(ptr: usize): usize {
  return load<usize>(ptr - BLOCK_OVERHEAD) & ~<usize>3;
}

function reserveAppHeap(): void {
  const end = <usize>memory.size() << 16;
  // The allocator is fresh, so the first block starts its free space: its end is where
  // the next block's header goes.
  let p = heap.alloc(1);
  let cursor = p + blockSize(p);
  // The next block's payload starts after its header; TLSF also keeps a 4-byte tail at the end.
  while (cursor + 2 * BLOCK_OVERHEAD + 16 <= end) {
    const room = end - cursor - 2 * BLOCK_OVERHEAD;
    p = heap.alloc(room >= 256 ? room - (room >> 3) : room);
    cursor = p + blockSize(p);
  }
}

// A build that knows the container gets no app heap (manifest memory.heap: 0) may say so with
// `--use OCRE_APP_HEAP=0`; then there is nothing to keep clear and memory is not wasted.
// @ts-ignore: defined by the build, if at all
if (isDefined(OCRE_APP_HEAP)) {
  // @ts-ignore: defined by the build
  if (OCRE_APP_HEAP != 0) reserveAppHeap();
} else {
  reserveAppHeap();
}
