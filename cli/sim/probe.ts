/**
 * The loop probe: instrumentation calls it at every loop head and function entry. It is a tiny
 * Wasm module of its own (a cross-instance Wasm call costs a few ns; a call into JS would cost
 * more), counting down a fuel global and calling `check` in JS once every FUEL iterations, so a
 * container that never yields can still be stopped by --timeout.
 */
import { Wasm, type WasmModule } from "./wasm-api.js";
const PROBE_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // types: () -> (), (i32) -> ()
  0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00,
  // imports: h.check (func 0), h.fuel (mut i32 global 0)
  0x02, 0x15, 0x02, 0x01, 0x68, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x00, 0x01, 0x68, 0x04, 0x66, 0x75, 0x65,
  0x6c, 0x03, 0x7f, 0x01,
  // functions: one of type 1
  0x03, 0x02, 0x01, 0x01,
  // export "tick" = func 1
  0x07, 0x08, 0x01, 0x04, 0x74, 0x69, 0x63, 0x6b, 0x00, 0x01,
  // tick: fuel = fuel - 1; if fuel == 0 { check() }
  0x0a, 0x15, 0x01, 0x13, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x24, 0x00, 0x20, 0x00, 0x45, 0x04, 0x40,
  0x10, 0x00, 0x0b, 0x0b,
]);

const FUEL = 1 << 16;
let compiled: WasmModule | undefined;

/** A probe function for one container; `check` runs every FUEL loop iterations and may throw. */
export function createProbe(check: () => void): (id: number) => void {
  compiled ??= new Wasm.Module(PROBE_WASM);
  const fuel = new Wasm.Global({ value: "i32", mutable: true }, FUEL);
  const instance = new Wasm.Instance(compiled, {
    h: {
      check: () => {
        fuel.value = FUEL;
        check();
      },
      fuel,
    },
  });
  return instance.exports.tick as (id: number) => void;
}
