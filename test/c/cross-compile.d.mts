// Types for cross-compile.mjs (used by test/c-cross.test.ts).
export interface CrossTarget {
  id: string;
  cc: string;
  size: string;
  flags: string[];
}
export interface ObjectSize {
  file: string;
  text: number;
  data: number;
  bss: number;
}
export interface CrossResult {
  target: string;
  /** Where the objects are (<file>.o per source). */
  dir: string;
  files: ObjectSize[];
  total: { text: number; data: number; bss: number };
}
export const TARGETS: CrossTarget[];
export const WARNINGS: string[];
export function coreSources(): Promise<string[]>;
export function compileTarget(target: CrossTarget, extraFlags?: string[]): Promise<CrossResult>;
