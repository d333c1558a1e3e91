// Copyright (c) 2026 ocre contributors
// SPDX-License-Identifier: Apache-2.0
//
// Cross-compiles the portable core (OCRE_CORE_SOURCES in wamr-glue/ocre_sources.cmake: the
// files that need neither WAMR's headers nor an RTOS) for every target architecture, with the
// firmware's warning policy, and reads the object sizes. Used by test/c-cross.test.ts and
// test/bench/c-size.bench.mjs.

import { execa } from "execa";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const glue = path.join(repoRoot, "wamr-glue");

/** Compiler, flags and size tool per target (zephyr-targets.md). */
export const TARGETS = [
  { id: "cortex-m4", cc: "arm-none-eabi-gcc", size: "arm-none-eabi-size", flags: ["-mcpu=cortex-m4", "-mthumb"] },
  { id: "cortex-m7", cc: "arm-none-eabi-gcc", size: "arm-none-eabi-size", flags: ["-mcpu=cortex-m7", "-mthumb"] },
  { id: "cortex-m33", cc: "arm-none-eabi-gcc", size: "arm-none-eabi-size", flags: ["-mcpu=cortex-m33", "-mthumb"] },
  {
    id: "rv32imac",
    cc: "riscv64-unknown-elf-gcc",
    size: "riscv64-unknown-elf-size",
    flags: ["--specs=picolibc.specs", "-march=rv32imac", "-mabi=ilp32"],
  },
  { id: "mips32", cc: "mips-linux-gnu-gcc", size: "mips-linux-gnu-size", flags: ["-mno-abicalls", "-fno-pic"] },
];

export const WARNINGS = ["-Wall", "-Wextra", "-Werror"];

/** The portable sources, read from the CMake list so that the list lives in one place. */
export async function coreSources() {
  const cmake = await readFile(path.join(glue, "ocre_sources.cmake"), "utf8");
  const block = /set\(OCRE_CORE_SOURCES([^)]*)\)/.exec(cmake);
  if (!block) throw new Error("OCRE_CORE_SOURCES not found in wamr-glue/ocre_sources.cmake");
  return block[1]
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => path.join(glue, s.replace("${OCRE_GLUE_DIR}/", "")));
}

/**
 * Compiles every core source for one target at -Os into a fresh directory.
 * Returns the directory of the objects, per-file text/data/bss and the compiler's diagnostics
 * (empty when clean).
 */
export async function compileTarget(target, extraFlags = []) {
  const out = await mkdtemp(path.join(os.tmpdir(), `ocre-cross-${target.id}-`));
  const sources = await coreSources();
  const objects = [];
  for (const src of sources) {
    const obj = path.join(out, path.basename(src).replace(/\.c$/, ".o"));
    await execa(target.cc, [
      ...target.flags,
      ...WARNINGS,
      "-Os",
      "-std=c11",
      "-ffunction-sections",
      "-fdata-sections",
      `-I${path.join(glue, "include")}`,
      `-I${path.join(glue, "src")}`,
      ...extraFlags,
      "-c",
      src,
      "-o",
      obj,
    ]);
    objects.push(obj);
  }
  const { stdout } = await execa(target.size, objects);
  const files = stdout
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [text, data, bss, , , file] = line.trim().split(/\s+/);
      return { file: path.basename(file), text: Number(text), data: Number(data), bss: Number(bss) };
    });
  const total = files.reduce((sum, f) => ({ text: sum.text + f.text, data: sum.data + f.data, bss: sum.bss + f.bss }), {
    text: 0,
    data: 0,
    bss: 0,
  });
  return { target: target.id, dir: out, files, total };
}
