// Types for qemu-user.mjs (used by test/c-qemu-user.test.ts).
export interface QemuTarget {
  id: string;
  cc: string;
  qemu: string;
  processor: string;
  elf: { machine: number; bigEndian: boolean };
}
export interface QemuRun {
  target: string;
  suites: { name: string; passed: boolean }[];
  run: string[];
  passed: string[];
  failed: string[];
  exitCode: number | undefined;
  output: string;
}
export const QEMU_TARGETS: QemuTarget[];
export const TIMING_SUITES: string[];
export function buildTarget(target: QemuTarget, buildDir?: string): Promise<string>;
export function runTarget(target: QemuTarget, buildDir: string): Promise<QemuRun>;
