import type { ValType } from "../abi/table.js";
import { WasmReader } from "../util/wasm-reader.js";

/**
 * A minimal reader for the parts of a Wasm binary the validator checks (types, imports,
 * exports, memory). wabt validates the module; its JS API does not list imports, so we read
 * these few sections ourselves. Assumes a module wabt has accepted.
 */
export type WasmValType = ValType | "f32" | "v128" | "funcref" | "externref" | `0x${string}`;

export interface FuncType {
  readonly params: readonly WasmValType[];
  readonly results: readonly WasmValType[];
}

export interface Limits {
  readonly initial: number;
  readonly maximum: number | null;
}

export type WasmImport =
  | { readonly module: string; readonly name: string; readonly kind: "function"; readonly type: FuncType }
  | { readonly module: string; readonly name: string; readonly kind: "memory"; readonly limits: Limits }
  | { readonly module: string; readonly name: string; readonly kind: "table" | "global" | "tag" };

export interface WasmExport {
  readonly name: string;
  readonly kind: "function" | "table" | "memory" | "global" | "tag";
  readonly index: number;
}

export interface WasmSummary {
  readonly imports: readonly WasmImport[];
  readonly exports: readonly WasmExport[];
  /** Memories the module defines itself (not imported). */
  readonly memories: readonly Limits[];
  /** Custom section names, in order ("name", "producers", ...). */
  readonly customSections: readonly string[];
}

const VALTYPES: Record<number, WasmValType> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const EXTERNAL_KINDS = ["function", "table", "memory", "global", "tag"] as const;

class Reader extends WasmReader {
  valtype(): WasmValType {
    const b = this.byte();
    return VALTYPES[b] ?? `0x${b.toString(16)}`;
  }
  limits(): Limits {
    const flags = this.byte();
    const initial = this.u32();
    const maximum = flags & 1 ? this.u32() : null;
    return { initial, maximum };
  }
}

export function readWasmSummary(bytes: Uint8Array): WasmSummary {
  const r = new Reader(bytes, 8); // after magic + version
  const types: FuncType[] = [];
  const imports: WasmImport[] = [];
  const exports: WasmExport[] = [];
  const memories: Limits[] = [];
  const customSections: string[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 0) {
      customSections.push(r.name());
    } else if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error("unsupported type form");
        const params = Array.from({ length: r.u32() }, () => r.valtype());
        const results = Array.from({ length: r.u32() }, () => r.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) {
          imports.push({ module, name, kind: "function", type: types[r.u32()] ?? { params: [], results: [] } });
        } else if (kind === 2) {
          imports.push({ module, name, kind: "memory", limits: r.limits() });
        } else if (kind === 1) {
          r.byte(); // reference type
          r.limits();
          imports.push({ module, name, kind: "table" });
        } else if (kind === 3) {
          r.valtype();
          r.byte(); // mutability
          imports.push({ module, name, kind: "global" });
        } else {
          r.byte(); // tag attribute
          r.u32();
          imports.push({ module, name, kind: "tag" });
        }
      }
    } else if (id === 5) {
      for (let n = r.u32(); n > 0; n--) memories.push(r.limits());
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = EXTERNAL_KINDS[r.byte()] ?? "function";
        exports.push({ name, kind, index: r.u32() });
      }
    }
    r.pos = end;
  }
  return { imports, exports, memories, customSections };
}

/**
 * The module without the custom sections `drop` selects, byte for byte otherwise (no re-encoding,
 * so nothing else about the module can change).
 */
export function dropCustomSections(bytes: Uint8Array, drop: (name: string) => boolean): Uint8Array {
  const r = new Reader(bytes, 8);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (!(id === 0 && drop(r.name()))) kept.push(bytes.subarray(start, end));
    r.pos = end;
  }
  const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of kept) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
