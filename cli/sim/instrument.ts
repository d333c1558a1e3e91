// The compiler's own Binaryen, so that `ocre run <app-dir>` (compile + instrument) loads one copy.
import binaryen from "assemblyscript/binaryen";
import { createHash } from "node:crypto";
import { readLayout, withMemoryLimits } from "./wasm-binary.js";
import { DEFAULT_MAX_PAGES, WASM_PAGE_BYTES } from "./limits.js";
import { OcreError } from "../errors.js";
import { wamrShrunkBytes } from "../pipeline/fixed-memory.js";
import { Wasm, type WasmModule } from "./wasm-api.js";

/**
 * Imports that may suspend the container. The engine is single-threaded: a container that
 * sleeps unwinds its Wasm stack (binaryen's asyncify) and is rewound when its time comes, so
 * that the other containers run meanwhile and virtual time stays deterministic.
 * ocre_get_event suspends only after many empty polls in a row (a busy-waiting container).
 */
export const SUSPENDING_IMPORTS = [
  "env.ocre_sleep",
  "env.ocre_get_event",
  "wasi_snapshot_preview1.poll_oneoff",
  "wasi_snapshot_preview1.sched_yield",
];

/** Module of the import the loop instrumentation calls at every loop head and function entry. */
export const PROBE_MODULE = "ocre_sim";
export const PROBE_NAME = "log_execution";

/** Bytes reserved for asyncify's saved stack (locals and call chain of a suspended container). */
export const ASYNCIFY_DATA_BYTES = 16 * 1024;

export interface MemoryPlan {
  readonly imported: boolean;
  readonly importModule: string | undefined;
  readonly importName: string | undefined;
  /** Pages the module itself declares initially. */
  readonly modulePages: number;
  /** Pages after appending the app heap (what the container sees at startup). */
  readonly initialPages: number;
  readonly maximumPages: number;
  /**
   * What the container may address: WAMR's shrunk memory plus the app heap for a fixed-memory
   * module (pipeline/fixed-memory.ts), else Infinity (the whole memory).
   */
  readonly visibleBytes: number;
  /** App heap region [heapBase, heapBase + heapBytes). */
  readonly heapBase: number;
  readonly heapBytes: number;
  /** Asyncify save area, right after the app heap, inside the appended pages. */
  readonly asyncifyData: number;
  readonly asyncifyEnd: number;
}

export interface InstrumentedModule {
  readonly module: WasmModule;
  readonly memory: MemoryPlan;
  /** Function names from the original module's name section. */
  readonly functionNames: ReadonlySet<string>;
}

export interface InstrumentOptions {
  readonly heapBytes: number;
  /** Linear memory maximum the container may grow to (its own pages, heap excluded). */
  readonly maxPages: number | undefined;
}

const FEATURES = (() => {
  const F = binaryen.Features;
  return (
    F.MutableGlobals |
    F.NontrappingFPToInt |
    F.SIMD128 |
    F.BulkMemory |
    F.BulkMemoryOpt |
    F.SignExt |
    F.ReferenceTypes |
    F.Multivalue |
    F.ExtendedConst |
    F.CallIndirectOverlong
  );
})();

const cache = new Map<string, InstrumentedModule>();

/**
 * Prepares a container module for the simulator:
 * - asyncify for the suspending imports, and a probe at every loop head (for --timeout);
 * - the WAMR app-heap layout: initial and maximum pages grow by the pages the heap needs, so the
 *   heap sits at the end of the memory the module sees at startup (contracts: "Message delivery").
 */
export function instrumentModule(name: string, wasm: Uint8Array, options: InstrumentOptions): InstrumentedModule {
  const key = `${createHash("sha256").update(wasm).digest("hex")}:${options.heapBytes}:${options.maxPages ?? ""}`;
  const hit = cache.get(key);
  if (hit) return hit;

  let layout;
  try {
    layout = readLayout(wasm);
  } catch (error) {
    throw new OcreError("OCRE_RUN_BAD_WASM", `${name}: not a valid WebAssembly module (${(error as Error).message})`, {
      hint: "pass a .wasm file built by `ocre build` or a wasm32-wasi compiler",
    });
  }
  const mem = layout.memory;
  if (!mem) {
    throw new OcreError("OCRE_RUN_NO_MEMORY", `${name}: the module has no linear memory`, {
      hint: "Ocre containers export (or import) a memory; build with the ocre SDK or link with --export-memory",
    });
  }
  if (mem.shared) throw new OcreError("OCRE_RUN_SHARED_MEMORY", `${name}: shared memories are not supported by Ocre`);

  const declaredMax = mem.maximum ?? options.maxPages ?? DEFAULT_MAX_PAGES;
  const maxPages = Math.min(declaredMax, options.maxPages ?? declaredMax);
  if (maxPages < mem.initial) {
    throw new OcreError(
      "OCRE_RUN_MEMORY_LIMIT",
      `${name}: needs ${mem.initial} pages of linear memory at startup but its limit is ${maxPages}`,
      {
        hint: "raise memory.maxPages in ocre.yaml (or --max-memory-pages)",
      },
    );
  }
  let instrumented: Uint8Array;
  const mod = binaryen.readBinary(wasm);
  mod.setFeatures(FEATURES);
  // WAMR keeps [0, shrunk) and appends the app heap there; otherwise the heap goes into pages
  // appended to the initial memory. asyncify's save area follows the heap, out of the
  // container's sight.
  const shrunk = wamrShrunkBytes(binaryen, mod, mem.initial * WASM_PAGE_BYTES);
  const heapBase = shrunk ?? mem.initial * WASM_PAGE_BYTES;
  const asyncifyData = heapBase + Math.ceil(options.heapBytes / 16) * 16;
  const extraPages = Math.max(0, Math.ceil((asyncifyData + ASYNCIFY_DATA_BYTES) / WASM_PAGE_BYTES) - mem.initial);

  // Binaryen's settings are process-global (the build pipeline uses them too): restore them.
  const saved = {
    optimize: binaryen.getOptimizeLevel(),
    shrink: binaryen.getShrinkLevel(),
    debug: binaryen.getDebugInfo(),
  };
  try {
    mod.setFeatures(FEATURES);
    binaryen.setDebugInfo(true);
    // Level 0: asyncify at level 1+ optimises every function it touches, 4x slower to prepare;
    // V8 optimises the result anyway.
    binaryen.setOptimizeLevel(0);
    binaryen.setShrinkLevel(0);
    binaryen.setPassArgument("asyncify-imports", SUSPENDING_IMPORTS.join(","));
    binaryen.setPassArgument("log-execution", PROBE_MODULE);
    mod.runPasses(["log-execution", "asyncify"]);
    instrumented = mod.emitBinary();
  } finally {
    mod.dispose();
    binaryen.setPassArgument("asyncify-imports", null);
    binaryen.setPassArgument("log-execution", null);
    binaryen.setOptimizeLevel(saved.optimize);
    binaryen.setShrinkLevel(saved.shrink);
    binaryen.setDebugInfo(saved.debug);
  }
  const patched = withMemoryLimits(instrumented, mem.initial + extraPages, maxPages + extraPages);
  const result: InstrumentedModule = {
    module: new Wasm.Module(patched),
    memory: {
      imported: mem.imported,
      importModule: mem.importModule,
      importName: mem.importName,
      modulePages: mem.initial,
      initialPages: mem.initial + extraPages,
      maximumPages: maxPages + extraPages,
      visibleBytes: shrunk === undefined ? Infinity : shrunk + options.heapBytes,
      heapBase,
      heapBytes: options.heapBytes,
      asyncifyData,
      asyncifyEnd: (mem.initial + extraPages) * WASM_PAGE_BYTES,
    },
    functionNames: new Set(layout.functionNames.values()),
  };
  cache.set(key, result);
  return result;
}
