/**
 * The slice of the WebAssembly JS API the simulator uses, typed here because the project's lib
 * settings carry no DOM types (Node has the API at runtime).
 */
export interface WasmModule {
  readonly __brand: "WasmModule";
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmGlobal {
  value: number;
}

export type WasmExports = Record<string, unknown>;

export interface WasmInstance {
  readonly exports: WasmExports;
}

export interface WasmImportDescriptor {
  readonly module: string;
  readonly name: string;
  readonly kind: "function" | "table" | "memory" | "global" | "tag";
}

export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; imports(module: WasmModule): WasmImportDescriptor[] };
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Global: new (descriptor: { value: "i32"; mutable: boolean }, value: number) => WasmGlobal;
  RuntimeError: new (message?: string) => Error;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export function isWasmMemory(value: unknown): value is WasmMemory {
  return value instanceof (Wasm.Memory as unknown as new () => object);
}
