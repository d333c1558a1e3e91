/**
 * AssemblyScript strings are UTF-16; every string that crosses the Ocre ABI is NUL-terminated
 * UTF-8 (upstream defect 5). Names used again and again (GPIO and sensor names, subscription
 * prefixes) are encoded once into a CString; one-off strings go through a static scratch
 * buffer, so neither path allocates per call.
 */

/** Bytes in the static scratch buffer shared by console output and one-off C strings. */
// @ts-ignore: decorator
@inline export const SCRATCH_SIZE: usize = 512;

/** The scratch buffer: static memory, never allocated. Single-threaded, so one is enough. */
// @ts-ignore: decorator
@lazy export const scratch: usize = memory.data(<i32>SCRATCH_SIZE, 16);

/** UTF-16 index where the last encodeUtf8 stopped (== length when the whole string fit). */
// @ts-ignore: decorator
@lazy export let encodedUpTo: i32 = 0;

/**
 * Encodes `s` from UTF-16 index `from` as UTF-8 into `dst` (at most `cap` bytes), stopping
 * before a code point that does not fit. With `dst == 0` it only counts. Returns the bytes
 * written; `encodedUpTo` tells where it stopped. Lone surrogates become U+FFFD.
 */
export function encodeUtf8(s: string, from: i32, dst: usize, cap: usize): usize {
  const src = changetype<usize>(s);
  const n = s.length;
  let i = from;
  let out: usize = 0;
  while (i < n) {
    let c = <u32>load<u16>(src + (<usize>i << 1));
    let units = 1;
    if ((c & 0xf800) == 0xd800) {
      const lo = i + 1 < n ? <u32>load<u16>(src + (<usize>(i + 1) << 1)) : 0;
      if (c < 0xdc00 && (lo & 0xfc00) == 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        units = 2;
      } else {
        c = 0xfffd;
      }
    }
    const size: usize = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (out + size > cap) break;
    if (dst) {
      const p = dst + out;
      if (size == 1) {
        store<u8>(p, <u8>c);
      } else {
        // Lead byte: the length marker bits, then the top bits of the code point.
        const shift = <u32>(size - 1) * 6;
        store<u8>(p, <u8>((0xf00 >> <u32>size) | (c >> shift)));
        for (let k: usize = 1; k < size; k++) {
          store<u8>(p + k, <u8>(0x80 | ((c >> (<u32>(size - 1 - k) * 6)) & 0x3f)));
        }
      }
    }
    out += size;
    i += units;
  }
  encodedUpTo = i;
  return out;
}

/**
 * Encodes `s` as a C string at `scratch + offset`, within `cap` bytes including the NUL.
 * Returns the address, or 0 when the string does not fit.
 */
export function scratchCString(s: string, offset: usize, cap: usize): usize {
  const dst = scratch + offset;
  const len = encodeUtf8(s, 0, dst, cap - 1);
  if (encodedUpTo < s.length) return 0;
  store<u8>(dst + len, 0);
  return dst;
}

/** Length of the C string at `ptr`, without the NUL. */
export function cstrlen(ptr: usize): i32 {
  let p = ptr;
  while (load<u8>(p)) p++;
  return <i32>(p - ptr);
}

/** A string encoded once as NUL-terminated UTF-8, for names passed to the host repeatedly. */
export class CString {
  private readonly buffer: ArrayBuffer;
  /** UTF-8 length in bytes, without the NUL. */
  readonly length: i32;

  constructor(s: string) {
    const len = encodeUtf8(s, 0, 0, <usize>-1);
    // A managed buffer (the GC keeps it while this object lives), without ArrayBuffer's
    // zero-fill: every byte is written below.
    // @ts-ignore: __new is a runtime builtin that the editor typings do not declare
    const buffer = changetype<ArrayBuffer>(__new(len + 1, idof<ArrayBuffer>()));
    encodeUtf8(s, 0, changetype<usize>(buffer), len);
    store<u8>(changetype<usize>(buffer) + len, 0);
    this.buffer = buffer;
    this.length = <i32>len;
  }

  /** Address of the first byte; valid as long as this object lives. */
  get ptr(): usize {
    return changetype<usize>(this.buffer);
  }
}
