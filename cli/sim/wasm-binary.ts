import { WasmReader } from "../util/wasm-reader.js";
/**
 * Just enough of the Wasm binary format for the simulator: where the memory's limits are
 * (imported or defined), the function names from the name section, and rewriting those limits.
 * Everything else is left to the engine (WebAssembly.Module) and to binaryen.
 */

export interface MemoryLimitsInfo {
  readonly imported: boolean;
  /** Import module and name when imported ("env", "memory"). */
  readonly importModule?: string;
  readonly importName?: string;
  readonly initial: number;
  readonly maximum: number | undefined;
  readonly shared: boolean;
  /** Byte range of the limits (flags byte through the last LEB) in the binary. */
  readonly start: number;
  readonly end: number;
}

export interface WasmLayout {
  readonly memory: MemoryLimitsInfo | undefined;
  /** Function index -> name, from the "name" custom section (empty when there is none). */
  readonly functionNames: ReadonlyMap<number, string>;
}

class Reader extends WasmReader {
  skipLimits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

function readLimits(r: Reader): {
  initial: number;
  maximum: number | undefined;
  shared: boolean;
  start: number;
  end: number;
} {
  const start = r.pos;
  const flags = r.byte();
  if (flags & 4) throw new Error("64-bit memories are not supported");
  const initial = r.u32();
  const maximum = flags & 1 ? r.u32() : undefined;
  return { initial, maximum, shared: (flags & 2) !== 0, start, end: r.pos };
}

function skipValType(r: Reader): void {
  const t = r.byte();
  // Reference types with a heap type immediate (typed function references) carry a LEB.
  if (t === 0x63 || t === 0x64) r.u32();
}

/** Reads the memory limits and function names of a module. */
export function readLayout(bytes: Uint8Array): WasmLayout {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("not a WebAssembly module (bad magic)");
  }
  const r = new Reader(bytes, 8);
  let memory: MemoryLimitsInfo | undefined;
  const functionNames = new Map<number, string>();
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const mod = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) {
          r.u32();
        } else if (kind === 1) {
          skipValType(r);
          r.skipLimits();
        } else if (kind === 2) {
          memory ??= { imported: true, importModule: mod, importName: name, ...readLimits(r) };
        } else if (kind === 3) {
          skipValType(r);
          r.byte();
        } else if (kind === 4) {
          r.byte();
          r.u32();
        } else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 5 && memory === undefined) {
      const count = r.u32();
      if (count > 0) memory = { imported: false, ...readLimits(r) };
    } else if (id === 0) {
      const sectionName = r.name();
      if (sectionName === "name") readFunctionNames(r, end, functionNames);
    }
    r.pos = end;
  }
  return { memory, functionNames };
}

function readFunctionNames(r: Reader, end: number, into: Map<number, string>): void {
  try {
    while (r.pos < end) {
      const sub = r.byte();
      const size = r.u32();
      const subEnd = r.pos + size;
      if (sub === 1) {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          const index = r.u32();
          into.set(index, r.name());
        }
      }
      r.pos = subEnd;
    }
  } catch {
    // A malformed name section only costs us function names in trap reports.
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/**
 * Returns a copy of the module with new memory limits. The limits are re-encoded in place and
 * the enclosing section's size is fixed up, so nothing else in the module moves semantically.
 */
export function withMemoryLimits(bytes: Uint8Array, initial: number, maximum: number): Uint8Array {
  const layout = readLayout(bytes);
  const mem = layout.memory;
  if (!mem) throw new Error("module has no memory");
  const encoded = [0x01, ...leb(initial), ...leb(maximum)];
  // Find the section that holds the limits so that its size prefix can be rewritten.
  const r = new Reader(bytes, 8);
  for (;;) {
    const sectionStart = r.pos;
    r.byte();
    const size = r.u32();
    const contentStart = r.pos;
    const end = contentStart + size;
    if (mem.start >= contentStart && mem.end <= end) {
      const delta = encoded.length - (mem.end - mem.start);
      const newSize = leb(size + delta);
      const out = new Uint8Array(bytes.length - (contentStart - sectionStart - 1) + newSize.length + delta);
      let o = 0;
      out.set(bytes.subarray(0, sectionStart + 1), o);
      o += sectionStart + 1;
      out.set(newSize, o);
      o += newSize.length;
      out.set(bytes.subarray(contentStart, mem.start), o);
      o += mem.start - contentStart;
      out.set(encoded, o);
      o += encoded.length;
      out.set(bytes.subarray(mem.end), o);
      return out;
    }
    r.pos = end;
  }
}
