import { ERRNO, OCRE_ABI, WASI_FUNCTIONS, isCallAllowed, type AbiFunction } from "../abi/table.js";
import type { Container } from "./container.js";
import { coreImports } from "./env-core.js";
import { gpioImports } from "./env-gpio.js";
import { messagingImports } from "./env-messaging.js";
import { sensorImports } from "./env-sensors.js";
import { timerImports } from "./env-timers.js";
import type { HostFn, HostGroup } from "./host-fn.js";
import { wasiImports } from "./wasi.js";
import { Wasm } from "./wasm-api.js";

/** Every `env` function of the ABI, implemented: one group per feature. */
function envImplementations(c: Container): HostGroup {
  return { ...coreImports(c), ...timerImports(c), ...messagingImports(c), ...sensorImports(c), ...gpioImports(c) };
}

/** How a traced argument is shown: C-string arguments ('$' in the WAMR signature) as text. */
function traceArgs(c: Container, fn: AbiFunction | undefined, args: unknown[]): (number | string)[] {
  const letters = fn ? [...(/^\(([^)]*)\)/.exec(fn.wamr)?.[1] ?? "")] : [];
  return args.map((a, i) => {
    if (typeof a === "bigint") return a.toString();
    if (letters[i] === "$") return c.memory.cString(a as number, 255) ?? (a as number);
    return a as number;
  });
}

function traced(c: Container, call: string, fn: AbiFunction | undefined, impl: HostFn): HostFn {
  const sim = c.sim;
  return (...args: unknown[]) => {
    const t = sim.now();
    const shown = traceArgs(c, fn, args);
    let result: number | void;
    try {
      result = impl(...args);
    } catch (error) {
      sim.record({ t, container: c.name, call, args: shown, result: null });
      throw error;
    }
    // The unwinding half of a suspending call is not a call the app sees; its rewinding half is.
    if (!c.unwinding) sim.record({ t, container: c.name, call, args: shown, result: result ?? null });
    return result;
  };
}

/** Argument positions WAMR checks before the call: '*' (one byte) and '$' (a whole C string). */
function pointerArgs(fn: AbiFunction): { bytes: number[]; strings: number[] } {
  const letters = [...(/^\(([^)]*)\)/.exec(fn.wamr)?.[1] ?? "")];
  const at = (l: string) => letters.flatMap((x, i) => (x === l ? [i] : []));
  return { bytes: at("*"), strings: at("$") };
}

/**
 * WAMR validates pointer arguments before the native runs and traps on a bad one ("out of
 * bounds memory access"): the device and upstream trap, and so does the simulator.
 */
function checkedPointers(c: Container, fn: AbiFunction, impl: HostFn): HostFn {
  const { bytes, strings } = pointerArgs(fn);
  if (bytes.length === 0 && strings.length === 0) return impl;
  return (...args: number[]) => {
    const m = c.memory;
    for (const i of bytes) if (!m.inBounds(args[i]!, 1)) throw new Wasm.RuntimeError("out of bounds memory access");
    for (const i of strings) {
      if (m.cStringLength(args[i]!, m.size) < 0) throw new Wasm.RuntimeError("out of bounds memory access");
    }
    return impl(...args);
  };
}

/**
 * The import object of one container: `env` (the Ocre ABI, each call gated by the container's
 * capabilities: a call outside them answers -EPERM and warns once) and
 * `wasi_snapshot_preview1`. With tracing on, every host call is recorded.
 */
export function buildImports(c: Container): Record<string, Record<string, HostFn>> {
  const sim = c.sim;
  const impls = envImplementations(c);
  const env: Record<string, HostFn> = {};
  for (const fn of OCRE_ABI) {
    const impl = impls[fn.name];
    if (!impl) throw new Error(`simulator lacks env.${fn.name}`);
    let host: HostFn = impl;
    if (!isCallAllowed(fn, c.capabilities)) {
      host = () => {
        sim.warnOnce(
          c,
          `eperm:${fn.name}`,
          `${c.name}: ${fn.name} needs capability "${fn.capability}" (or "ocre:api"); answered -EPERM`,
        );
        return -ERRNO.EPERM;
      };
    }
    host = checkedPointers(c, fn, host);
    env[fn.name] = sim.tracing ? traced(c, fn.name, fn, host) : host;
  }
  const wasiImpl = wasiImports(c);
  const wasi: Record<string, HostFn> = {};
  for (const fn of WASI_FUNCTIONS) {
    const impl = wasiImpl[fn.name];
    if (!impl) throw new Error(`simulator lacks wasi_snapshot_preview1.${fn.name}`);
    wasi[fn.name] = sim.tracing ? traced(c, fn.name, undefined, impl) : impl;
  }
  return { env, wasi_snapshot_preview1: wasi };
}
