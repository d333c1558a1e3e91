// Copyright (c) 2026 ocre contributors
// SPDX-License-Identifier: Apache-2.0
//
// Runs the portable core's host tests (test/c: the core, the POSIX port and the fake engine)
// on other architectures under qemu-user, so that endianness and 32-bit bugs show in CI rather
// than on a board: big-endian MIPS, little-endian MIPS and 32-bit ARM. Each target is a static
// cross build of the same CMake project (test/c/CMakeLists.txt, so the suite list lives there
// alone) against the cmocka-compatible header in test/c/mini-cmocka (Debian ships no cmocka for
// these targets), and CTest runs every program through qemu explicitly (binfmt_misc is not
// assumed to be mounted).
//
// Used by test/c-qemu-user.test.ts; also a command:
//   node test/c/qemu-user.mjs [mips|mipsel|armhf ...]
// prints each test case, then "<target>: N passed, N failed" per target and the total.

import { execa } from "execa";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const testDir = import.meta.dirname;

/**
 * Targets: compiler, emulator, the Debian packages that bring them (test/apt-packages.txt lists
 * them too), and what the ELF header of a built program must say.
 */
export const QEMU_TARGETS = [
  {
    id: "mips",
    cc: "mips-linux-gnu-gcc",
    qemu: "qemu-mips",
    processor: "mips",
    elf: { machine: 8, bigEndian: true },
  },
  {
    id: "mipsel",
    cc: "mipsel-linux-gnu-gcc",
    qemu: "qemu-mipsel",
    processor: "mipsel",
    elf: { machine: 8, bigEndian: false },
  },
  {
    id: "armhf",
    cc: "arm-linux-gnueabihf-gcc",
    qemu: "qemu-arm",
    processor: "arm",
    elf: { machine: 40, bigEndian: false },
  },
];

/**
 * Suites left out under qemu-user: they count real-time timer ticks (runtime: at least 20 ticks
 * of a 10 ms timer in 300 ms), which instruction emulation on a loaded 2-core machine misses;
 * byte order and word size do not enter them. The host run (test/c-shim.test.ts) keeps them.
 */
export const TIMING_SUITES = ["runtime"];

/** Configures and builds test/c for one target into `buildDir` (a fresh temp dir if omitted). */
export async function buildTarget(target, buildDir) {
  const dir = buildDir ?? (await mkdtemp(path.join(os.tmpdir(), `ocre-qemu-${target.id}-`)));
  await execa("cmake", [
    "-S",
    testDir,
    "-B",
    dir,
    "-G",
    "Ninja",
    "-DOCRE_MINI_CMOCKA=ON",
    "-DCMAKE_SYSTEM_NAME=Linux",
    `-DCMAKE_SYSTEM_PROCESSOR=${target.processor}`,
    `-DCMAKE_C_COMPILER=${target.cc}`,
    "-DCMAKE_EXE_LINKER_FLAGS=-static",
    `-DCMAKE_CROSSCOMPILING_EMULATOR=${target.qemu}`,
  ]);
  await execa("nice", ["cmake", "--build", dir]);
  return dir;
}

/**
 * Runs every CTest suite of a built target under its qemu. Returns the suites, the cmocka cases
 * that passed and failed, and CTest's verbose output (failed assertions are in it).
 */
export async function runTarget(target, buildDir) {
  const run = await execa("ctest", ["-V", "--timeout", "120", "-E", `^(${TIMING_SUITES.join("|")})$`], {
    cwd: buildDir,
    reject: false,
    all: true,
  });
  const output = String(run.all);
  const suites = [...output.matchAll(/Test\s+#\d+: (\S+) \.+\**\s*(Passed|Failed|\S+)/g)].map((m) => ({
    name: m[1],
    passed: m[2] === "Passed",
  }));
  const casesWith = (mark) => [...output.matchAll(new RegExp(`^\\d+: \\[${mark}\\] (\\S+)`, "gm"))].map((m) => m[1]);
  return {
    target: target.id,
    suites,
    run: casesWith(" RUN      "),
    passed: casesWith("       OK "),
    failed: casesWith("  FAILED  "),
    exitCode: run.exitCode,
    output,
  };
}

async function main(ids) {
  const unknown = ids.filter((id) => !QEMU_TARGETS.some((t) => t.id === id));
  if (unknown.length) {
    console.error(`unknown target ${unknown.join(", ")}; known: ${QEMU_TARGETS.map((t) => t.id).join(", ")}`);
    return 2;
  }
  const targets = ids.length ? QEMU_TARGETS.filter((t) => ids.includes(t.id)) : QEMU_TARGETS;
  let passed = 0;
  let failed = 0;
  for (const target of targets) {
    const dir = await buildTarget(target);
    const result = await runTarget(target, dir);
    await rm(dir, { recursive: true, force: true });
    // A suite that crashed before reporting a failed case still counts as one failure.
    const failedSuites = result.suites.filter((s) => !s.passed).length;
    const failures = Math.max(result.failed.length, failedSuites);
    if (failures) console.log(result.output);
    for (const name of result.failed) console.log(`${target.id}: FAILED ${name}`);
    console.log(`${target.id}: ${result.passed.length} passed, ${failures} failed`);
    passed += result.passed.length;
    failed += failures;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
