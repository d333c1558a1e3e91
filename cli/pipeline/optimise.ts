import { createRequire } from "node:module";
import { OcreError } from "../errors.js";
import type { OptimizeProfile } from "../config/types.js";
import { dropCustomSections } from "./wasm-sections.js";

export interface OptimiseOptions {
  readonly profile: OptimizeProfile;
  /** Keep the name section (function names in traps and profilers). */
  readonly debug: boolean;
}

export interface OptimiseResult {
  readonly wasm: Uint8Array;
  /** Binaryen optimisation rounds run before the size stopped shrinking. */
  readonly rounds: number;
  readonly optimizerVersion: string;
}

type Binaryen = typeof import("assemblyscript/binaryen").default;

/*
 * Binaryen comes from the AssemblyScript compiler's own dependency ("assemblyscript/binaryen"):
 * the compile stage has loaded it already, and loading a second copy (the top-level `binaryen`
 * package) costs ~380 ms per process for no gain in output size. Loaded lazily, once.
 *
 * Passes chosen by measurement (AssemblyScript 0.28.20, Binaryen 131; templates hello / blinky /
 * sensor / pubsub publisher / subscriber, bytes; `asc --runtime stub -Oz --noAssert --use abort=`
 * gives 758 / 1854 / 5995 / 2408 / 2340):
 *   compile at -O0, then Binaryen -Oz, -O4z or -Os repeated ...... 791 / 1891 / 8238 / 4113 / 2396
 *     (the compiler's own -Oz pipeline and code generation matter: compile runs them)
 *   compile at -Oz (+1 B memory maximum), --exportStart _start ... 780 / 1876 / 6017 / 2430 / 2362
 *   + move the start function to an `_start` export (no run-once
 *     guard) instead of --exportStart (end of compile) ........... 765 / 1861 / 6002 / 2415 / 2347
 *   + inlining-optimizing with Binaryen's default limits (the
 *     compiler leaves its own, tighter ones set) .................. 758 / 1857 / 5939 / 2385 / 2332
 *   + another -Oz/-O4z/-Os round, or any single further pass
 *     (merge-similar-functions, gufa, code-folding, dae, ...) ...... no gain; a round is kept only
 *     if it shrinks the module
 *   traps-never-happen / low-memory-unused: rejected, not sound for AssemblyScript's memory layout
 *     (static data starts at address 8) and traps are how aborts surface on the device.
 *   + memory.copy/fill lowered to loops, then simplify-locals-nostructure, then rounds again,
 *     each kept only where smaller ................................. 758 / 1855 / 5935 / 2381 / 2330
 *   + strip custom sections on the bytes instead of a strip pass and a re-encode (which loses
 *     the Stack IR optimisation of the last round) ................ 753 / 1852 / 5935 / 2378 / 2330
 * Re-measured with the current SDK and templates (asc -Oz: 758 / 1854 / 3638 / 1872 / 1997):
 *   the pipeline above ............................................. 753 / 1852 / 3639 / 1846 / 1987
 *   + after it, one more -Oz round plus any one of merge-similar-functions, code-folding,
 *     dae-optimizing, duplicate-function-elimination, local-cse, merge-locals, precompute(-propagate),
 *     optimize-instructions, rse, simplify-globals-optimizing, vacuum, remove-unused-brs,
 *     coalesce-locals(-learning), reorder-locals/-functions/-globals, pick-load-signs,
 *     merge-blocks, inlining(-optimizing), directize, licm, simplify-locals-notee, dce,
 *     code-pushing, once-reduction ................................... no change
 *   reordered: memory lowering first 755 / 1854 / 3639; merge-similar-functions first, a second
 *     inlining round, -O2/-O3 rounds, shrink level 1 ................. no gain (or larger)
 *   inlining limits: flexible 10 or 40, loops allowed ............... no change; one-caller limit
 *     15 (the compiler's) 762 / 1858 / 3645 / 1879 / 2004
 *   always-inline size (Binaryen default 2): 3 ...................... 753 / 1852 / 3628 / 1846 / 1987
 *     4: 755 / 1852 / 3628, 5: 755 / 1852 / 3641, 6 and 8: 755 / 1858 / 3645 / 1853  -> 3 kept
 * (The `_start` export, 6 B, and the memory maximum, 1 B, are required by the runtime.)
 * Speed profile: the compiler at -O3, then -O3 rounds while they change the module.
 */
const PROFILES: Record<OptimizeProfile, { optimizeLevel: number; shrinkLevel: number }> = {
  size: { optimizeLevel: 4, shrinkLevel: 2 },
  speed: { optimizeLevel: 3, shrinkLevel: 0 },
};
const MAX_ROUNDS = 8;

let binaryenPromise: Promise<Binaryen> | undefined;
function loadBinaryen(): Promise<Binaryen> {
  binaryenPromise ??= import("assemblyscript/binaryen").then((m) => m.default);
  return binaryenPromise;
}

let versionCache: string | undefined;
/** Version of the Binaryen build in use (part of the build cache key). */
export function optimizerVersion(): string {
  if (versionCache === undefined) {
    const ascRequire = createRequire(createRequire(import.meta.url).resolve("assemblyscript/package.json"));
    versionCache = (ascRequire("binaryen/package.json") as { version: string }).version;
  }
  return versionCache;
}

/**
 * Optimises a module with Binaryen. Bytes in, bytes out; never touches disk. Release builds
 * drop the name section, DWARF and the producers section; --debug keeps names.
 */
export async function optimise(input: Uint8Array, options: OptimiseOptions): Promise<OptimiseResult> {
  const binaryen = await loadBinaryen();
  const features =
    binaryen.Features.MutableGlobals |
    binaryen.Features.SignExt |
    binaryen.Features.NontrappingFPToInt |
    binaryen.Features.BulkMemory |
    binaryen.Features.BulkMemoryOpt;
  const read = (bytes: Uint8Array): Module => {
    const m = binaryen.readBinary(bytes);
    m.setFeatures(features);
    return m;
  };
  let module: Module;
  try {
    module = read(input);
  } catch (error) {
    throw new OcreError("OCRE_OPTIMISE", "Binaryen could not read the compiled module", { cause: error, exitCode: 2 });
  }
  try {
    const { optimizeLevel, shrinkLevel } = PROFILES[options.profile];
    // Binaryen's settings are process-global: set every one we rely on, every time.
    binaryen.setOptimizeLevel(optimizeLevel);
    binaryen.setShrinkLevel(shrinkLevel);
    binaryen.setDebugInfo(options.debug);
    // The compiler optimises with fast math (float folds that ignore NaN payloads and -0); the
    // later rounds follow the same rules rather than a stricter set the code no longer has.
    binaryen.setFastMath(true);
    binaryen.setTrapsNeverHappen(false);
    binaryen.setClosedWorld(false);
    binaryen.setLowMemoryUnused(false);
    binaryen.setZeroFilledMemory(false);
    // Emit through Binaryen's Stack IR optimiser, as the compiler's own -O pipeline does (and
    // independent of whether the compiler ran before in this process).
    binaryen.setGenerateStackIR(true);
    binaryen.setOptimizeStackIR(true);
    // The compiler's own pipeline (same Binaryen instance) leaves its inlining limits behind;
    // Binaryen's defaults inline single-caller functions of any size, which is what saves bytes.
    // Always-inline size 3 (Binaryen's default is 2): measured above, smaller or equal everywhere.
    binaryen.setAlwaysInlineMaxSize(options.profile === "size" ? 3 : 2);
    binaryen.setFlexibleInlineMaxSize(20);
    binaryen.setOneCallerInlineMaxSize(-1);
    binaryen.setAllowInliningFunctionsWithLoops(false);
    binaryen.clearPassArguments();

    let best = module.emitBinary();
    let rounds = 0;
    // Size: a step is kept only if it makes the module smaller. Speed: a round is kept while it
    // still changes the module (and does not grow it by more than 10%).
    const attempt = (step: (m: Module) => void): boolean => {
      step(module);
      const next = module.emitBinary();
      const changed = next.length !== best.length || !Buffer.from(next).equals(Buffer.from(best));
      if (next.length < best.length || (options.profile === "speed" && changed && next.length <= best.length * 1.1)) {
        best = next;
        return true;
      }
      module.dispose();
      module = read(best);
      return false;
    };
    const optimiseRounds = (): void => {
      while (rounds < MAX_ROUNDS) {
        rounds++;
        if (!attempt((m) => m.optimize())) break;
      }
    };
    if (options.profile === "size") attempt((m) => m.runPasses(["inlining-optimizing"]));
    optimiseRounds();
    if (options.profile === "size") {
      // Small wins measured on the templates, each kept only where it shrinks the module:
      // memory.copy/fill as loops (slower bulk copies, which size-first accepts), and local
      // simplification without structure changes; then rounds again.
      attempt((m) => m.runPasses(["llvm-memory-copy-fill-lowering"]));
      attempt((m) => m.runPasses(["simplify-locals-nostructure"]));
      optimiseRounds();
    }
    // Strip on the bytes: re-encoding after a strip pass loses the Stack IR optimisations the
    // last round's output had (measured: blinky 1852 -> 1855 B).
    const wasm = dropCustomSections(
      best,
      (name) =>
        name === "producers" ||
        name.startsWith(".debug_") ||
        name === "sourceMappingURL" ||
        (!options.debug && name === "name"),
    );
    return { wasm, rounds, optimizerVersion: optimizerVersion() };
  } finally {
    module.dispose();
  }
}

type Module = ReturnType<Binaryen["readBinary"]>;

/**
 * The container entry point: the compiler leaves the app's top-level code as the module's start
 * function; Ocre runtimes call the exported `_start` instead (WASI command convention). Moving
 * it is smaller than the compiler's --exportStart, which adds a run-once guard the runtime does
 * not need (it calls _start exactly once). Bytes in, bytes out; names kept when `debug`.
 */
export async function exportStartFunction(input: Uint8Array, debug: boolean): Promise<Uint8Array> {
  const binaryen = await loadBinaryen();
  const module = binaryen.readBinary(input);
  try {
    const start = module.getStart();
    if (start === 0) return input;
    if (module.getExport("_start") === 0) module.addFunctionExport(binaryen.getFunctionInfo(start).name, "_start");
    module.setStart(0);
    binaryen.setDebugInfo(debug);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}
