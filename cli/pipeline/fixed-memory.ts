import { OcreError } from "../errors.js";

/**
 * Fixed-memory containers (manifest `memory.arena`). WAMR 2.4 (wasm_loader.c, load_from_sections
 * and the opcode scan; WASM_ENABLE_SHRUNK_MEMORY, on by default) shrinks a module's linear memory
 * to its `__heap_base`, rounded up to 8, when all of these hold:
 *   - no function contains memory.grow or memory.size (either marks the module "may grow");
 *   - the module defines (not imports) immutable i32 globals with constant initialisers exported
 *     as `__heap_base` and `__data_end`, with __data_end (rounded up to 16) <= __heap_base;
 *   - __heap_base fits in the memory the module declares initially.
 * It then makes the memory one "page" of that many bytes (initial = maximum = 1) and, at
 * instantiation, appends the app heap (memory.heap) after it. The loader also takes the first
 * mutable i32 global with a constant initialiser <= __heap_base as the C stack pointer: when its
 * initial value is not 0, every global.set of it is checked against a stack range and an
 * AssemblyScript global that simply counts up traps ("wasm auxiliary stack underflow"). So the
 * first such global must start at 0.
 *
 * The SDK's fixed runtimes (sdk/rt/) confine the allocator to [align16(__data_end),
 * align16(__data_end) + arena) and export AssemblyScript's heap base as `__data_end`; this stage
 * adds `__heap_base` at the arena's end and makes sure the stack-pointer guess is harmless.
 */

export const WASM_PAGE_BYTES = 65536;

/** The largest arena the manifest accepts (cli/schemas/ocre.schema.json). */
export const MAX_ARENA_BYTES = 1048576;

const align = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * The pages the compiler declares for a fixed-memory app: room for the arena and up to 64 KiB of
 * static data. WAMR keeps only what `__heap_base` says, so an over-estimate costs nothing.
 */
export function fixedMemoryPages(arenaBytes: number): { initialPages: number; maxPages: number } {
  const pages = 1 + Math.ceil(arenaBytes / WASM_PAGE_BYTES);
  return { initialPages: pages, maxPages: pages };
}

/** The end of the arena: sdk/rt/arena.ts arenaEnd() computes the same. */
export function arenaEnd(dataEnd: number, arenaBytes: number): number {
  return align(dataEnd, 16) + arenaBytes;
}

/** The linear memory WAMR keeps for a fixed-memory module, app heap excluded. */
export function shrunkMemoryBytes(heapBase: number): number {
  return align(heapBase, 8);
}

/** The linear memory WAMR gives a container at run time: pages, or the shrunk memory, plus the app heap. */
export function fixedLinearMemoryBytes(fixedBytes: number, heapBytes: number): number {
  return fixedBytes + heapBytes;
}

export interface FixedMemoryResult {
  readonly wasm: Uint8Array;
  /** AssemblyScript's heap base: the end of static data, where the arena starts (rounded up to 16). */
  readonly dataEnd: number;
  /** The exported `__heap_base`: the end of the arena. */
  readonly heapBase: number;
  /** What WAMR shrinks the memory to (before the app heap). */
  readonly fixedBytes: number;
}

type Binaryen = typeof import("assemblyscript/binaryen").default;

/**
 * Finishes a fixed-memory module: exports `__heap_base` at the end of the arena, and keeps WAMR's
 * stack-pointer guess harmless. Refuses a module that can grow (the app itself used memory.grow
 * or memory.size) or whose declared memory cannot hold the arena. Bytes in, bytes out.
 */
export async function finishFixedMemory(
  input: Uint8Array,
  arenaBytes: number,
  options: { readonly debug: boolean; readonly manifestPath: string },
): Promise<FixedMemoryResult> {
  const binaryen: Binaryen = (await import("assemblyscript/binaryen")).default;
  const module = binaryen.readBinary(input);
  try {
    module.setFeatures(
      binaryen.Features.MutableGlobals |
        binaryen.Features.SignExt |
        binaryen.Features.NontrappingFPToInt |
        binaryen.Features.BulkMemory |
        binaryen.Features.BulkMemoryOpt,
    );
    const grows = /\(memory\.(grow|size)\b/.exec(module.emitText());
    if (grows) {
      throw new OcreError(
        "OCRE_MEMORY_GROWS",
        `the app uses memory.${grows[1]}, which a fixed-memory container cannot`,
        {
          hint: `remove memory.${grows[1]} from the app, or use growable memory: replace memory.arena with memory.initialPages and memory.maxPages in ${options.manifestPath}`,
        },
      );
    }
    const dataEndExport = module.getExport("__data_end");
    const dataEndGlobal = dataEndExport === 0 ? 0 : module.getGlobal(binaryen.getExportInfo(dataEndExport).value);
    const dataEndInit = dataEndGlobal === 0 ? 0 : binaryen.getGlobalInfo(dataEndGlobal).init;
    const dataEndValue = dataEndInit === 0 ? undefined : i32Const(binaryen, dataEndInit);
    if (dataEndValue === undefined) {
      throw new OcreError("OCRE_INTERNAL", "the fixed-memory runtime did not export __data_end as a constant", {
        exitCode: 2,
      });
    }
    const dataEnd = dataEndValue;
    const heapBase = arenaEnd(dataEnd, arenaBytes);

    const memoryExport = module.getExport("memory");
    const memoryInfo = module.getMemoryInfo(
      memoryExport === 0 ? undefined : binaryen.getExportInfo(memoryExport).value,
    );
    const declared = memoryInfo.initial * WASM_PAGE_BYTES;
    if (heapBase > declared) {
      throw new OcreError(
        "OCRE_MEMORY_TOO_SMALL",
        `static data (${align(dataEnd, 16)} B) and the arena (${arenaBytes} B) need ${heapBase} B, more than the ${declared} B the module declares`,
        { hint: `lower memory.arena in ${options.manifestPath}, or make the app's static data smaller` },
      );
    }

    keepStackGuessHarmless(binaryen, module, heapBase);
    module.addGlobal("ocre~heap_base", binaryen.i32, false, module.i32.const(heapBase | 0));
    module.addGlobalExport("ocre~heap_base", "__heap_base");
    const fixedBytes = wamrShrunkBytes(binaryen, module, declared);
    if (fixedBytes === undefined) {
      throw new OcreError("OCRE_INTERNAL", "the fixed-memory module does not meet WAMR's conditions for shrinking", {
        exitCode: 2,
      });
    }
    binaryen.setDebugInfo(options.debug);
    return { wasm: module.emitBinary(), dataEnd, heapBase, fixedBytes };
  } finally {
    module.dispose();
  }
}

type Module = ReturnType<Binaryen["readBinary"]>;

/** The unsigned value of an i32.const expression, or undefined for any other expression. */
function i32Const(binaryen: Binaryen, expr: number): number | undefined {
  const info = binaryen.getExpressionInfo(expr) as { id: number; type: number; value: unknown };
  if (info.id !== binaryen.ConstId || info.type !== binaryen.i32 || typeof info.value !== "number") return undefined;
  return info.value >>> 0;
}

/**
 * WAMR takes the first defined mutable i32 global with a constant initialiser <= __heap_base as
 * the stack pointer; unless that initialiser is 0, puts a never-used global starting at 0 first.
 */
function keepStackGuessHarmless(binaryen: Binaryen, module: Module, heapBase: number): void {
  const globals = [];
  for (let i = 0; i < module.getNumGlobals(); i++) {
    const info = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
    if (info.module === "") globals.push(info);
  }
  const guess = globals.find((g) => {
    if (!g.mutable || g.type !== binaryen.i32 || g.init === 0) return false;
    const init = i32Const(binaryen, g.init);
    return init !== undefined && init <= heapBase;
  });
  if (guess === undefined || i32Const(binaryen, guess.init) === 0) return;
  // Globals are referred to by name, so re-adding them after the new one only renumbers them.
  for (const g of globals) module.removeGlobal(g.name);
  module.addGlobal("ocre~stack_guess", binaryen.i32, true, module.i32.const(0));
  for (const g of globals) module.addGlobal(g.name, g.type, g.mutable, g.init);
}

/**
 * What WAMR 2.4 shrinks a module's linear memory to, by the rules above, or undefined when it
 * keeps whole pages. `initialBytes`: the memory the module declares initially. Used by the
 * simulator (which models the shrink) and as the build's own check.
 */
export function wamrShrunkBytes(binaryen: Binaryen, module: Module, initialBytes: number): number | undefined {
  if (/\(memory\.(grow|size)\b/.test(module.emitText())) return undefined;
  const exported = (name: string): number | undefined => {
    const ref = module.getExport(name);
    if (ref === 0) return undefined;
    const info = binaryen.getExportInfo(ref);
    if (info.kind !== binaryen.ExternalGlobal) return undefined;
    const global = binaryen.getGlobalInfo(module.getGlobal(info.value));
    if (global.module !== "" || global.mutable || global.type !== binaryen.i32) return undefined;
    return i32Const(binaryen, global.init);
  };
  const heapBase = exported("__heap_base");
  const dataEnd = exported("__data_end");
  if (heapBase === undefined || dataEnd === undefined || align(dataEnd, 16) > heapBase) return undefined;
  const shrunk = shrunkMemoryBytes(heapBase);
  return shrunk <= initialBytes ? shrunk : undefined;
}
