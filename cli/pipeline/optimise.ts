import { createRequire } from "node:module";
import { OcreError } from "../errors.js";
import type { OptimizeProfile } from "../config/types.js";

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
 * Profiles, chosen by measurement (Binaryen 131, AssemblyScript 0.28.20; sizes after strip of
 * the test fixtures hello / blinky and the templates; asc -Oz gives 155 / 528 for the fixtures):
 *   -Oz (opt 2, shrink 2) once ........................ 156 / 571
 *   -Oz repeated until the size stops shrinking ........ 156 / 547
 *   -Os (2,1) x2 ....................................... 156 / 553
 *   opt 4, shrink 2, repeated until no gain ............ 156 / 529   <- size profile
 *   + AssemblyScript's inlining limits (2/65/80) ....... 156 / 529   (no gain, dropped)
 *   + gufa / merge-similar-functions rounds ............ 156 / 529   (no gain, slower)
 *   + traps-never-happen ............................... 156 / 523   (rejected: traps are how
 *     aborts surface on the device; assuming they never happen may delete bounds checks)
 *   -O3 (3,0) x2 ....................................... 156 / 547
 *   -O4 (4,0) x2 ....................................... 156 / 529   <- speed profile uses -O3
 *     repeated: the speed profile keeps inlining aggressive (shrink 0), size is secondary.
 * The 1-byte difference to asc is the memory maximum we always set (asc leaves it open).
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
    binaryen.Features.MutableGlobals | binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt;
  let module: ReturnType<Binaryen["readBinary"]>;
  try {
    module = binaryen.readBinary(input);
  } catch (error) {
    throw new OcreError("OCRE_OPTIMISE", "Binaryen could not read the compiled module", { cause: error, exitCode: 2 });
  }
  try {
    module.setFeatures(features);
    const { optimizeLevel, shrinkLevel } = PROFILES[options.profile];
    // Binaryen's settings are process-global: set every one we rely on, every time.
    binaryen.setOptimizeLevel(optimizeLevel);
    binaryen.setShrinkLevel(shrinkLevel);
    binaryen.setDebugInfo(options.debug);
    binaryen.setFastMath(false);
    binaryen.setTrapsNeverHappen(false);
    binaryen.setClosedWorld(false);
    binaryen.setLowMemoryUnused(false);
    binaryen.setZeroFilledMemory(false);

    let best = module.emitBinary();
    let rounds = 0;
    let worse = false;
    while (rounds < MAX_ROUNDS) {
      module.optimize();
      rounds++;
      const next = module.emitBinary();
      worse = next.length > best.length;
      if (next.length >= best.length) break;
      best = next;
    }
    if (worse) {
      // The last round grew the module: continue from the best state instead.
      module.dispose();
      module = binaryen.readBinary(best);
      module.setFeatures(features);
    }
    module.runPasses(options.debug ? ["strip-dwarf", "strip-producers"] : ["strip-debug", "strip-producers"]);
    if (!module.validate()) {
      throw new OcreError("OCRE_OPTIMISE", "Binaryen produced an invalid module", { exitCode: 2, hint: "please report this with the app's sources" });
    }
    return { wasm: module.emitBinary(), rounds, optimizerVersion: optimizerVersion() };
  } finally {
    module.dispose();
  }
}
