/**
 * The WAMR app heap of one container (module_malloc / module_free): a region at the end of the
 * memory the module sees at startup, where the host places copies for the container (message
 * topic, content type, payload). Book-keeping lives on the host side, so a container that
 * scribbles over the region corrupts its own data, never the allocator.
 */
const ALIGN = 8;

interface Block {
  start: number;
  size: number;
}

export class AppHeap {
  private free: Block[];
  private readonly used = new Map<number, number>();
  private usedBytes = 0;

  constructor(
    readonly base: number,
    readonly size: number,
  ) {
    this.free = size >= ALIGN ? [{ start: base, size: size - (size % ALIGN) }] : [];
  }

  /** Address of a new block of `len` bytes, or 0 when the heap cannot hold it (WAMR returns 0). */
  malloc(len: number): number {
    const need = Math.max(ALIGN, Math.ceil(len / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.size < need) continue;
      const addr = block.start;
      if (block.size === need) this.free.splice(i, 1);
      else {
        block.start += need;
        block.size -= need;
      }
      this.used.set(addr, need);
      this.usedBytes += need;
      return addr;
    }
    return 0;
  }

  /** Frees a block; false when `addr` is not a live allocation (double free, foreign pointer). */
  release(addr: number): boolean {
    const size = this.used.get(addr);
    if (size === undefined) return false;
    this.used.delete(addr);
    this.usedBytes -= size;
    // Insert sorted, then merge with the neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < addr) i++;
    this.free.splice(i, 0, { start: addr, size });
    const next = this.free[i + 1];
    if (next && addr + size === next.start) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === addr) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
    return true;
  }

  get inUse(): number {
    return this.usedBytes;
  }

  get allocations(): number {
    return this.used.size;
  }
}
