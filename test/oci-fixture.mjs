// ContainerSpecs for the OCI tests and benchmark, built from small hand-written modules (wabt)
// so these tests do not depend on the AssemblyScript pipeline.
import { createHash } from "node:crypto";
import wabtInit from "wabt";

let wabtPromise;

/** Deterministic pseudo-random bytes (so "distinct" images differ but every run is the same). */
function pseudoRandom(size, seed) {
  const out = new Uint8Array(size);
  let block = createHash("sha256").update(String(seed)).digest();
  for (let i = 0; i < size; i++) {
    if (i % 32 === 0 && i > 0) block = createHash("sha256").update(block).digest();
    out[i] = block[i % 32];
  }
  return out;
}

function watString(bytes) {
  return Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}

/**
 * A Wasm module importing Ocre calls (timers + core), exporting _start and memory, with
 * `dataBytes` of data segment (to reach a realistic size) derived from `seed`.
 */
export async function fixtureWasm({ dataBytes = 256, seed = 0 } = {}) {
  wabtPromise ??= wabtInit();
  const wabt = await wabtPromise;
  const wat = `(module
  (import "env" "ocre_sleep" (func $sleep (param i32) (result i32)))
  (import "env" "ocre_timer_create" (func $timer (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (data (i32.const 1024) "${watString(pseudoRandom(dataBytes, seed))}")
  (func (export "_start") (drop (call $sleep (i32.const 10))) (drop (call $timer (i32.const 1)))))`;
  const mod = wabt.parseWat("fixture.wat", wat);
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

/** A ContainerSpec (cli/spec.ts) around fixtureWasm. */
export async function fixtureSpec({ name = "blinky", version = "1.0.0", dataBytes = 256, seed = 0 } = {}) {
  const wasm = await fixtureWasm({ dataBytes, seed });
  return {
    name,
    version,
    wasm,
    sha256: createHash("sha256").update(wasm).digest("hex"),
    imports: [
      { module: "env", name: "ocre_sleep" },
      { module: "env", name: "ocre_timer_create" },
    ],
    exports: ["memory", "_start"],
    features: ["core", "timers"],
    capabilities: ["timers"],
    memory: { initialPages: 1, maxPages: 4, stackBytes: 8192, heapBytes: 16384 },
    entryPoint: "_start",
    args: ["--mode", "demo"],
    env: { LOG: "debug", A: "1" },
    restart: "no",
  };
}

/** A ResolvedConfig (cli/config/types.ts) for `spec`, building into `appDir`/build. */
export function fixtureConfig(spec, appDir, overrides = {}) {
  return {
    appDir,
    manifestPath: `${appDir}/ocre.yaml`,
    buildDir: `${appDir}/build`,
    name: spec.name,
    version: spec.version,
    entry: `${appDir}/assembly/index.ts`,
    capabilities: spec.capabilities,
    memory: spec.memory,
    runtime: "stub",
    optimize: "size",
    debug: false,
    boards: ["nrf5340dk", "esp32c3"],
    image: { repository: spec.name, tag: spec.version },
    args: spec.args,
    env: spec.env,
    ...overrides,
  };
}
