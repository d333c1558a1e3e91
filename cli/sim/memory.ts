import type { WasmMemory } from "./wasm-api.js";

/**
 * A container's linear memory as the host sees it. Every address a module hands in is checked
 * here before the host reads or writes: a bad one is reported (the caller answers -EINVAL or
 * a WASI EFAULT) and nothing outside the memory is touched.
 *
 * `visibleBytes` models WAMR's shrunk memory (fixed-memory containers): WAMR keeps only static
 * data, the arena and the app heap, so an address past them is as bad as one past the end,
 * though the engine's memory is a whole number of 64 KiB pages (the simulator keeps its own
 * bookkeeping, asyncify's save area, beyond that).
 */
export class GuestMemory {
  private buffer: ArrayBuffer;
  private u8: Uint8Array;
  private view: DataView;
  private static readonly decoder = new TextDecoder("utf-8", { fatal: false });
  private static readonly encoder = new TextEncoder();

  constructor(
    readonly memory: WasmMemory,
    private readonly visibleBytes = Infinity,
  ) {
    this.buffer = memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.view = new DataView(this.buffer);
  }

  /**
   * memory.grow detaches the old buffer (its length drops to 0): re-create the views then.
   * Checking the view's length is much cheaper than reading memory.buffer on every access.
   */
  private refresh(): void {
    if (this.u8.length === 0) {
      this.buffer = this.memory.buffer;
      this.u8 = new Uint8Array(this.buffer);
      this.view = new DataView(this.buffer);
    }
  }

  /** The bytes the container may address: the memory, or WAMR's shrunk memory. */
  get size(): number {
    this.refresh();
    return Math.min(this.u8.length, this.visibleBytes);
  }

  /** Whether [ptr, ptr + len) lies inside the memory. Addresses are unsigned 32-bit. */
  inBounds(ptr: number, len: number): boolean {
    const p = ptr >>> 0;
    return len >= 0 && p + len <= this.size;
  }

  /** Writes a u32 anywhere in the engine's memory: the simulator's own areas (asyncify), never a guest pointer. */
  setReservedU32(ptr: number, value: number): void {
    this.refresh();
    this.view.setUint32(ptr, value >>> 0, true);
  }

  bytes(ptr: number, len: number): Uint8Array | undefined {
    if (!this.inBounds(ptr, len)) return undefined;
    const p = ptr >>> 0;
    return this.u8.subarray(p, p + len);
  }

  /** A copy of [ptr, ptr + len), or undefined when out of bounds. */
  copyOut(ptr: number, len: number): Uint8Array | undefined {
    if (!this.inBounds(ptr, len)) return undefined;
    const p = ptr >>> 0;
    return this.u8.slice(p, p + len);
  }

  /** Length of the NUL-terminated string at ptr (at most `max` bytes), or -1. No allocation. */
  cStringLength(ptr: number, max: number): number {
    const end = this.size;
    const u8 = this.u8;
    const p = ptr >>> 0;
    const limit = Math.min(end, p + max + 1);
    for (let i = p; i < limit; i++) if (u8[i] === 0) return i - p;
    return -1;
  }

  /**
   * The bytes at ptr up to the first NUL, at most `max` of them and never past the end of
   * memory (upstream's strncpy of a subscription prefix): a copy.
   */
  boundedString(ptr: number, max: number): Uint8Array {
    this.refresh();
    const p = ptr >>> 0;
    const limit = Math.min(this.u8.length, p + max);
    let end = p;
    while (end < limit && this.u8[end] !== 0) end++;
    return this.u8.slice(p, end);
  }

  /** Whether memory at ptr holds exactly `bytes` (caller has checked the range). */
  equals(ptr: number, bytes: Uint8Array): boolean {
    const u8 = this.u8;
    const p = ptr >>> 0;
    for (let i = 0; i < bytes.length; i++) if (u8[p + i] !== bytes[i]) return false;
    return true;
  }

  write(ptr: number, data: Uint8Array): boolean {
    if (!this.inBounds(ptr, data.length)) return false;
    this.u8.set(data, ptr >>> 0);
    return true;
  }

  u32(ptr: number): number | undefined {
    if (!this.inBounds(ptr, 4)) return undefined;
    return this.view.getUint32(ptr >>> 0, true);
  }

  setU32(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 4)) return false;
    this.view.setUint32(ptr >>> 0, value >>> 0, true);
    return true;
  }

  setU16(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 2)) return false;
    this.view.setUint16(ptr >>> 0, value, true);
    return true;
  }

  setU8(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 1)) return false;
    this.u8[ptr >>> 0] = value;
    return true;
  }

  u64(ptr: number): bigint | undefined {
    if (!this.inBounds(ptr, 8)) return undefined;
    return this.view.getBigUint64(ptr >>> 0, true);
  }

  setU64(ptr: number, value: bigint): boolean {
    if (!this.inBounds(ptr, 8)) return false;
    this.view.setBigUint64(ptr >>> 0, BigInt.asUintN(64, value), true);
    return true;
  }

  /**
   * The bytes of the NUL-terminated string at ptr (without the NUL), at most `max` bytes long;
   * undefined when the string runs past the end of memory or past `max`.
   */
  cStringBytes(ptr: number, max = 4096): Uint8Array | undefined {
    const end = this.size;
    const p = ptr >>> 0;
    if (p >= end) return undefined;
    const limit = Math.min(end, p + max + 1);
    const nul = this.u8.subarray(p, limit).indexOf(0);
    if (nul < 0) return undefined;
    return this.u8.subarray(p, p + nul);
  }

  cString(ptr: number, max = 4096): string | undefined {
    const b = this.cStringBytes(ptr, max);
    return b === undefined ? undefined : GuestMemory.decoder.decode(b);
  }

  static encode(text: string): Uint8Array {
    return GuestMemory.encoder.encode(text);
  }
}
