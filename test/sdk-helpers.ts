/**
 * Shared by the SDK and template tests: build an app with the pipeline's own compiler, read a
 * module's imports (with their Wasm signatures) straight from the binary, and a tiny hand-written
 * host for running a container in Node.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { resolveConfig } from "../cli/config/resolve.js";
import { compile } from "../cli/pipeline/compile.js";
import type { RuntimeVariant } from "../cli/config/types.js";
import { tempDir } from "./helpers/cli.js";

export interface WasmImport {
  module: string;
  name: string;
  kind: "func" | "table" | "memory" | "global" | "tag";
  params: string[];
  results: string[];
}

const VALTYPES: Record<number, string> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};

/** The import section, with each function import's signature from the type section. */
export function readImports(bytes: Uint8Array): WasmImport[] {
  let pos = 8;
  const byte = (): number => bytes[pos++]!;
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  const name = (): string => {
    const len = u32();
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  const limits = (): void => {
    const flags = byte();
    u32();
    if (flags & 1) u32();
  };
  const types: { params: string[]; results: string[] }[] = [];
  const imports: WasmImport[] = [];
  while (pos < bytes.length) {
    const id = byte();
    const size = u32();
    const end = pos + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        if (byte() !== 0x60) throw new Error("unexpected type form");
        const params = Array.from({ length: u32() }, () => VALTYPES[byte()] ?? "?");
        const results = Array.from({ length: u32() }, () => VALTYPES[byte()] ?? "?");
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = byte();
        if (kind === 0) {
          const t = types[u32()]!;
          imports.push({ module, name: field, kind: "func", params: t.params, results: t.results });
        } else if (kind === 1) {
          byte();
          limits();
          imports.push({ module, name: field, kind: "table", params: [], results: [] });
        } else if (kind === 2) {
          limits();
          imports.push({ module, name: field, kind: "memory", params: [], results: [] });
        } else if (kind === 3) {
          byte();
          byte();
          imports.push({ module, name: field, kind: "global", params: [], results: [] });
        } else {
          throw new Error(`unexpected import kind ${kind}`);
        }
      }
    }
    pos = end;
  }
  return imports;
}

export interface FixtureOptions {
  runtime?: RuntimeVariant;
  initialPages?: number;
  maxPages?: number;
  heap?: number;
  capabilities?: string[];
}

/** Writes a one-file app (ocre.yaml + assembly/index.ts) into a temp dir and returns the dir. */
export async function writeFixtureApp(source: string, options: FixtureOptions = {}): Promise<string> {
  const dir = await tempDir("ocre-sdk-");
  await mkdir(path.join(dir, "assembly"), { recursive: true });
  await writeFile(path.join(dir, "assembly/index.ts"), source);
  const caps = options.capabilities ?? ["ocre:api"];
  await writeFile(
    path.join(dir, "ocre.yaml"),
    [
      "name: fixture",
      "version: 0.1.0",
      `capabilities: [${caps.join(", ")}]`,
      "memory:",
      `  initialPages: ${options.initialPages ?? 1}`,
      `  maxPages: ${options.maxPages ?? 4}`,
      `  heap: ${options.heap ?? 4096}`,
      `runtime: ${options.runtime ?? "stub"}`,
      "",
    ].join("\n"),
  );
  return dir;
}

/** Compiles the app in `dir` with the pipeline's compiler (the same one `ocre build` uses). */
export async function compileApp(dir: string, runtime?: RuntimeVariant): Promise<Uint8Array> {
  const config = await resolveConfig(dir, runtime === undefined ? {} : { runtime });
  return (await compile(config)).wasm;
}

/** Thrown by a host function to leave the container's endless event loop. */
export class StopContainer extends Error {}

/** A C string at `addr` in `memory`. */
export function readCString(memory: WebAssembly.Memory, addr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = addr;
  while (bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(addr, end));
}

export interface HostCall {
  name: string;
  args: number[];
}

/**
 * A minimal host: every env function of the ABI records its call and returns what `overrides`
 * says (default 0); fd_write collects the text per fd; proc_exit throws StopContainer.
 */
export class TinyHost {
  memory!: WebAssembly.Memory;
  readonly calls: HostCall[] = [];
  readonly output = new Map<number, string>();

  constructor(private readonly overrides: Record<string, (...args: number[]) => number> = {}) {}

  imports(module: WebAssembly.Module): WebAssembly.Imports {
    const env: Record<string, (...args: number[]) => number> = {};
    const wasi: Record<string, (...args: number[]) => number | void> = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind !== "function") continue;
      if (imp.module === "env") {
        env[imp.name] = (...args: number[]) => {
          this.calls.push({ name: imp.name, args });
          const f = this.overrides[imp.name];
          return f ? f(...args) : 0;
        };
      }
    }
    wasi.fd_write = (fd: number, iovs: number, count: number, nwritten: number) => {
      const view = new DataView(this.memory.buffer);
      let text = "";
      let total = 0;
      for (let i = 0; i < count; i++) {
        const ptr = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        text += new TextDecoder().decode(new Uint8Array(this.memory.buffer, ptr, len));
        total += len;
      }
      view.setUint32(nwritten, total, true);
      this.output.set(fd, (this.output.get(fd) ?? "") + text);
      return 0;
    };
    wasi.proc_exit = () => {
      throw new StopContainer("proc_exit");
    };
    wasi.clock_time_get = () => 0;
    return { env, wasi_snapshot_preview1: wasi };
  }

  /** Instantiates and runs `_start`; returns normally or when a host function threw StopContainer. */
  async start(bytes: Uint8Array): Promise<WebAssembly.Instance> {
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, this.imports(module));
    this.memory = instance.exports.memory as WebAssembly.Memory;
    return instance;
  }

  run(instance: WebAssembly.Instance): void {
    try {
      (instance.exports._start as () => void)();
    } catch (error) {
      if (!(error instanceof StopContainer)) throw error;
    }
  }

  callsOf(name: string): HostCall[] {
    return this.calls.filter((c) => c.name === name);
  }
}
