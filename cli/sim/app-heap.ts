/**
 * The WAMR app heap of one container (module_malloc / module_free): a region at the end of the
 * memory the module sees at startup, where the host places copies for the container (message
 * topic, content type, payload). Book-keeping lives on the host side, so a container that
 * scribbles over the region corrupts its own data, never the allocator.
 *
 * Allocation is a bump pointer plus exact-size free lists (messages allocate and free the same
 * few sizes over and over); when the region runs out, free blocks are merged and searched
 * first-fit, so fragmentation costs time only when the heap is nearly full.
 */
const ALIGN = 8;

export class AppHeap {
  private top: number;
  private readonly end: number;
  private readonly used = new Map<number, number>();
  private readonly free = new Map<number, number[]>();
  private usedBytes = 0;

  constructor(
    readonly base: number,
    readonly size: number,
  ) {
    this.top = base;
    this.end = base + size - (size % ALIGN);
  }

  /** Address of a new block of `len` bytes, or 0 when the heap cannot hold it (WAMR returns 0). */
  malloc(len: number): number {
    const need = len <= ALIGN ? ALIGN : Math.ceil(len / ALIGN) * ALIGN;
    const addr = this.take(need) || (this.compact() && (this.take(need) || this.split(need)));
    if (!addr) return 0;
    this.used.set(addr, need);
    this.usedBytes += need;
    return addr;
  }

  /** Frees a block; false when `addr` is not a live allocation (double free, foreign pointer). */
  release(addr: number): boolean {
    const size = this.used.get(addr);
    if (size === undefined) return false;
    this.used.delete(addr);
    this.usedBytes -= size;
    const list = this.free.get(size);
    if (list) list.push(addr);
    else this.free.set(size, [addr]);
    return true;
  }

  get inUse(): number {
    return this.usedBytes;
  }

  private take(need: number): number {
    const list = this.free.get(need);
    if (list && list.length > 0) return list.pop()!;
    if (this.top + need <= this.end) {
      const addr = this.top;
      this.top += need;
      return addr;
    }
    return 0;
  }

  /** First fit among the (merged) free blocks, splitting off the rest. */
  private split(need: number): number {
    for (const [size, list] of this.free) {
      if (size < need || list.length === 0) continue;
      const addr = list.pop()!;
      if (list.length === 0) this.free.delete(size);
      if (size > need) {
        const rest = this.free.get(size - need);
        if (rest) rest.push(addr + need);
        else this.free.set(size - need, [addr + need]);
      }
      return addr;
    }
    return 0;
  }

  /** Merges free blocks (and gives the tail back to the bump pointer); then splits first-fit. */
  private compact(): boolean {
    const blocks: [number, number][] = [];
    for (const [size, list] of this.free) for (const addr of list) blocks.push([addr, size]);
    if (blocks.length === 0) return false;
    blocks.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const b of blocks) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === b[0]) last[1] += b[1];
      else merged.push([b[0], b[1]]);
    }
    const tail = merged[merged.length - 1]!;
    if (tail[0] + tail[1] === this.top) {
      this.top = tail[0];
      merged.pop();
    }
    this.free.clear();
    for (const [addr, size] of merged) {
      const list = this.free.get(size);
      if (list) list.push(addr);
      else this.free.set(size, [addr]);
    }
    return true;
  }
}
