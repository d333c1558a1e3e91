import { execa } from "execa";

let exportMemoryFlag: Promise<string[]> | undefined;

/** Upstream links with --export-memory too; wasm-ld before LLVM 16 lacks the flag. */
function exportMemory(): Promise<string[]> {
  exportMemoryFlag ??= execa("wasm-ld", ["--help"], { reject: false }).then((help) =>
    String(help.stdout).includes("--export-memory") ? ["-Wl,--export-memory"] : [],
  );
  return exportMemoryFlag;
}

/**
 * Builds an upstream-style C container the way upstream links one: Debian's clang + wasi-libc,
 * imported (and exported) memory. `linkFlags` adds memory sizes and the like.
 */
export async function buildCContainer(source: string, out: string, linkFlags: readonly string[]): Promise<void> {
  await execa("clang", [
    "--target=wasm32-wasi",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wl,--import-memory",
    ...(await exportMemory()),
    ...linkFlags,
    "-o",
    out,
    source,
  ]);
}
