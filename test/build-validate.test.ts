import { beforeAll, describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { validate } from "../cli/pipeline/validate.js";
import { mergeConfig } from "../cli/config/resolve.js";
import type { Manifest } from "../cli/config/manifest.js";
import type { ResolvedConfig } from "../cli/config/types.js";
import { OcreError } from "../cli/errors.js";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Wabt;

function config(overrides: Partial<Manifest> = {}): ResolvedConfig {
  const manifest: Manifest = {
    name: "t",
    version: "1.0.0",
    entry: "assembly/index.ts",
    capabilities: [],
    memory: { initialPages: 1, maxPages: 2, stack: 8192, heap: 4096 },
    runtime: "stub",
    optimize: "size",
    boards: [],
    image: {},
    args: [],
    env: {},
    ...overrides,
  };
  return mergeConfig("/app", "/app/ocre.yaml", manifest);
}

/** A module from WebAssembly text. */
function wat(text: string): Uint8Array {
  const module = wabt.parseWat("t.wat", text, { bulk_memory: true });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

async function rejection(bytes: Uint8Array, cfg = config()): Promise<OcreError> {
  const error = await validate(bytes, cfg).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OcreError);
  return error as OcreError;
}

const START = '(func (export "_start"))';

beforeAll(async () => {
  wabt = await wabtInit();
});

describe("validate", () => {
  it("produces the ContainerSpec with features from the imports", async () => {
    const bytes = wat(`(module
      (import "env" "ocre_timer_create" (func (param i32) (result i32)))
      (import "env" "ocre_gpio_pin_set" (func (param i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1 2) ${START})`);
    const { spec, warnings, memory } = await validate(bytes, config({ capabilities: ["ocre:api"] }));
    expect(spec).toMatchObject({
      name: "t",
      entryPoint: "_start",
      features: ["core", "timers", "gpio"],
      exports: ["memory", "_start"],
      memory: { initialPages: 1, maxPages: 2, stackBytes: 8192, heapBytes: 4096 },
      imports: [
        { module: "env", name: "ocre_timer_create" },
        { module: "env", name: "ocre_gpio_pin_set" },
        { module: "wasi_snapshot_preview1", name: "fd_write" },
      ],
    });
    expect(spec.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings).toEqual([]);
    expect(memory.imported).toBe(false);
  });

  it("accepts an imported env.memory, as upstream C containers have", async () => {
    const bytes = wat(`(module (import "env" "memory" (memory 1 2)) ${START})`);
    const { memory } = await validate(bytes, config());
    expect(memory).toEqual({ initialPages: 1, maxPages: 2, imported: true });
  });

  it("warns about calls the capabilities do not grant", async () => {
    const bytes = wat(
      `(module (import "env" "ocre_gpio_init" (func (result i32))) (memory (export "memory") 1 1) ${START})`,
    );
    const { warnings } = await validate(bytes, config({ capabilities: ["timers"] }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ocre_gpio_init needs the "gpio" capability .*-EPERM/);
  });

  it("rejects an unknown import, naming the closest known one", async () => {
    const bytes = wat(
      `(module (import "wasi_snapshot_preview1" "fd_writ" (func (param i32 i32 i32 i32) (result i32))) (memory (export "memory") 1 1) ${START})`,
    );
    expect((await rejection(bytes)).message).toMatch(
      /imports wasi_snapshot_preview1\.fd_writ, which no Ocre runtime provides; did you mean wasi_snapshot_preview1\.fd_write/,
    );
  });

  it("rejects a wrong signature, showing both", async () => {
    const bytes = wat(
      `(module (import "env" "ocre_sensors_read" (func (param i32 i32) (result f32))) (memory (export "memory") 1 1) ${START})`,
    );
    expect((await rejection(bytes)).message).toMatch(
      /ocre_sensors_read with signature \(i32, i32\) -> f32, but the runtime provides \(i32, i32\) -> f64/,
    );
  });

  it("requires _start", async () => {
    const bytes = wat(`(module (memory (export "memory") 1 1) (func (export "main")))`);
    expect((await rejection(bytes)).message).toMatch(/does not export the function _start/);
  });

  it("requires an exported or imported memory", async () => {
    const bytes = wat(`(module (memory 1 1) ${START})`);
    expect((await rejection(bytes)).message).toMatch(/neither exports its memory nor imports env\.memory/);
  });

  it("requires a memory maximum", async () => {
    const bytes = wat(`(module (memory (export "memory") 1) ${START})`);
    expect((await rejection(bytes)).message).toMatch(/declares no memory maximum/);
  });

  it("rejects a memory maximum over the manifest's maxPages", async () => {
    const bytes = wat(`(module (memory (export "memory") 1 8) ${START})`);
    const error = await rejection(bytes, config({ memory: { initialPages: 1, maxPages: 4, stack: 8192, heap: 0 } }));
    expect(error.message).toMatch(/memory maximum is 8 pages, over the limit of 4/);
  });

  it("rejects features Ocre's runtimes do not run (SIMD)", async () => {
    const module = wabt.parseWat(
      "t.wat",
      `(module (memory (export "memory") 1 1) (func (export "_start") (drop (v128.const i32x4 0 0 0 0))))`,
      { simd: true },
    );
    const bytes = module.toBinary({}).buffer;
    module.destroy();
    expect((await rejection(bytes)).message).toMatch(/not valid for Ocre's runtimes/);
  });

  it("lists every problem, not only the first", async () => {
    const bytes = wat(`(module (import "env" "nope" (func)) (memory 1))`);
    const error = await rejection(bytes);
    expect(error.details.join("\n")).toMatch(/_start/);
    expect(error.details.join("\n")).toMatch(/memory/);
  });
});
