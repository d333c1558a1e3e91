import type { TrapInfo } from "./types.js";
import { Wasm } from "./wasm-api.js";

const KINDS: [RegExp, string][] = [
  [/unreachable/i, "unreachable"],
  [/memory access out of bounds|out of bounds memory/i, "out-of-bounds memory access"],
  [/divide by zero|remainder by zero/i, "integer divide by zero"],
  [/divide result unrepresentable|integer overflow/i, "integer overflow"],
  [/float unrepresentable|invalid conversion/i, "invalid conversion to integer"],
  [/table index is out of bounds|undefined element/i, "undefined table element"],
  [/null function|uninitialized element/i, "uninitialized table element"],
  [/signature mismatch|null function or function signature/i, "indirect call type mismatch"],
  [/maximum call stack size/i, "stack overflow"],
  [/data segment .*out of bounds|segment out of bounds/i, "out-of-bounds segment access"],
];

/** First Wasm frame of a V8 stack: "    at name (wasm://wasm/…:wasm-function[3]:0x1a)". */
const WASM_FRAME = /^\s*at (?:(\S+) \()?wasm:\/\/wasm\/[^:]*:wasm-function\[(\d+)\]/;

/**
 * Describes a Wasm trap: its kind and the function that trapped. Only names the module itself
 * carries in its name section are reported (the engine's instrumentation adds functions of its
 * own that the user never wrote).
 */
export function describeTrap(error: unknown, functionNames: ReadonlySet<string>): TrapInfo | undefined {
  const isTrap =
    error instanceof Wasm.RuntimeError || (error instanceof RangeError && /call stack/i.test(error.message));
  if (!isTrap) return undefined;
  const message = (error as Error).message;
  const kind = KINDS.find(([re]) => re.test(message))?.[1] ?? message;
  // The innermost frame the module named; frames of the instrumentation are skipped.
  let fn: string | undefined;
  for (const line of ((error as Error).stack ?? "").split("\n")) {
    const frame = WASM_FRAME.exec(line);
    if (!frame) continue;
    const name = frame[1]?.replace(/^\$/, "");
    if (name !== undefined && functionNames.has(name)) {
      fn = name;
      break;
    }
  }
  return { kind, message, function: fn };
}
