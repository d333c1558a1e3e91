import type { Feature } from "./abi/table.js";

/** Linear memory and stack limits of one container. Pages are 64 KiB Wasm pages. */
export interface MemoryLimits {
  readonly initialPages: number;
  readonly maxPages: number;
  /** WAMR execution stack for the container's thread, in bytes. */
  readonly stackBytes: number;
  /** WAMR app heap (module-side malloc for host copies), in bytes. */
  readonly heapBytes: number;
  /**
   * Fixed memory (manifest memory.arena): the bytes the SDK's allocator may use. The module
   * never grows its memory; absent for growable memory.
   */
  readonly arenaBytes?: number;
  /**
   * Fixed memory, in a built spec: the linear memory WAMR keeps before it appends the app heap
   * (its `__heap_base` rounded up to 8: static data, then the arena). See pipeline/fixed-memory.ts.
   */
  readonly fixedBytes?: number;
}

export interface ImportRef {
  readonly module: string;
  readonly name: string;
}

/**
 * The one record every consumer reads (OCI annotations, firmware metadata, simulator limits).
 * Produced by the validate stage from the optimised bytes and the resolved config; never
 * re-derived elsewhere.
 */
export type RestartPolicy = "no" | "on-failure" | "always";

export interface ContainerSpec {
  readonly name: string;
  readonly version: string;
  readonly wasm: Uint8Array;
  /** Lowercase hex sha256 of `wasm`. */
  readonly sha256: string;
  readonly imports: readonly ImportRef[];
  readonly exports: readonly string[];
  /** Ocre features the imports use (always includes "core"); firmware compiles in only these. */
  readonly features: readonly Feature[];
  readonly capabilities: readonly string[];
  /** GPIO lines it may use (aliases or "port:pin"); undefined: the capability's default. */
  readonly gpio?: readonly string[] | undefined;
  /** Restart policy on the device (default "no"). */
  readonly restart?: RestartPolicy;
  readonly memory: MemoryLimits;
  /** Exported function the runtime calls: "_start". */
  readonly entryPoint: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}
