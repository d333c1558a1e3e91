import { cstrlen, encodeUtf8 } from "./cstring";

/**
 * Text assembled in a buffer allocated once, for output and message payloads built per event
 * without allocating: the "stub" runtime never frees, so a string built per message (`+`,
 * `toString()`) eventually exhausts the container's memory. Create it at top level, then
 * `clear()` and append in the handler. Whatever does not fit in `capacity` bytes is cut off (at
 * a whole value or code point). Pass it to `console.logText` or `messages.publishText`.
 */
export class TextBuffer {
  private readonly buffer: ArrayBuffer;
  /** Bytes of UTF-8 held. */
  length: i32 = 0;

  constructor(readonly capacity: i32 = 128) {
    this.buffer = new ArrayBuffer(capacity);
  }

  /** Address of the first byte (not NUL-terminated), valid as long as this object lives. */
  get ptr(): usize {
    return changetype<usize>(this.buffer);
  }

  /** Empties the buffer; returns it, so that appends can be chained. */
  clear(): TextBuffer {
    this.length = 0;
    return this;
  }

  /** Appends `s` as UTF-8. */
  add(s: string): TextBuffer {
    this.length += <i32>encodeUtf8(s, 0, this.ptr + this.length, this.capacity - this.length);
    return this;
  }

  /** Appends `length` bytes at `ptr`, e.g. a received message's payload (`m.dataPtr`). */
  addBytes(ptr: usize, length: i32): TextBuffer {
    const n = min(length, this.capacity - this.length);
    if (n > 0) {
      memory.copy(this.ptr + this.length, ptr, n);
      this.length += n;
    }
    return this;
  }

  /** Appends the NUL-terminated string at `ptr`, e.g. a received message's topic (`m.topicPtr`). */
  addCString(ptr: usize): TextBuffer {
    return this.addBytes(ptr, cstrlen(ptr));
  }

  /** Appends `value` in decimal. */
  addInt(value: i64): TextBuffer {
    return this.addDigits(value < 0, value < 0 ? <u64>-value : <u64>value, 0);
  }

  /**
   * Appends `value` in decimal with `decimals` (0..9) digits after the point, rounded half away
   * from zero: no f64 formatting code (about 4 KB) in the container. For |value| * 10^decimals
   * below 2^53; NaN and infinities append "NaN" and "Infinity".
   */
  addFixed(value: f64, decimals: i32 = 2): TextBuffer {
    if (isNaN(value)) return this.add("NaN");
    if (!isFinite(value)) return this.add(value < 0 ? "-Infinity" : "Infinity");
    const places = min(max(decimals, 0), 9);
    let scale: u64 = 1;
    for (let i = 0; i < places; i++) scale *= 10;
    const scaled = <u64>Math.round(Math.abs(value) * <f64>scale);
    return this.addDigits(value < 0 && scaled != 0, scaled, places);
  }

  /** Appends [-]magnitude with a point before its last `places` digits, or nothing if it does not fit. */
  private addDigits(negative: bool, magnitude: u64, places: i32): TextBuffer {
    let digits = 1;
    for (let t = magnitude; t >= 10; t /= 10) digits++;
    if (digits <= places) digits = places + 1; // leading "0."
    const size = digits + (places > 0 ? 1 : 0) + (negative ? 1 : 0);
    if (this.length + size > this.capacity) return this;
    let p = this.ptr + this.length + size;
    let v = magnitude;
    for (let i = 0; i < digits; i++) {
      if (places > 0 && i == places) store<u8>(--p, 0x2e); // "."
      store<u8>(--p, <u8>(0x30 + (v % 10)));
      v /= 10;
    }
    if (negative) store<u8>(--p, 0x2d); // "-"
    this.length += size;
    return this;
  }
}
