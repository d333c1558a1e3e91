/**
 * The portable core's host tests on big-endian MIPS, little-endian MIPS and 32-bit ARM under
 * qemu-user (test/c/qemu-user.mjs): static cross builds of test/c against the cmocka-compatible
 * header, so byte-order and 32-bit bugs in wamr-glue fail here rather than on a board.
 */
import { execa } from "execa";
import { open } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { QEMU_TARGETS, buildTarget, runTarget } from "./c/qemu-user.mjs";
import { tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";

/** EI_CLASS, EI_DATA and e_machine of an ELF file, read as its own byte order says. */
async function elfHeader(file: string): Promise<{ bits: number; bigEndian: boolean; machine: number }> {
  const fd = await open(file, "r");
  try {
    const { buffer } = await fd.read(Buffer.alloc(20), 0, 20, 0);
    const bigEndian = buffer[5] === 2;
    return {
      bits: buffer[4] === 1 ? 32 : 64,
      bigEndian,
      machine: bigEndian ? buffer.readUInt16BE(18) : buffer.readUInt16LE(18),
    };
  } finally {
    await fd.close();
  }
}

for (const target of QEMU_TARGETS) {
  describe.skipIf(missingTools("cmake", "ninja", target.cc, target.qemu))(
    `C shim tests on ${target.id} (qemu-user)`,
    () => {
      let dir = "";
      let result: Awaited<ReturnType<typeof runTarget>>;

      beforeAll(async () => {
        dir = await buildTarget(target, await tempDir(`ocre-qemu-${target.id}-`));
        result = await runTarget(target, dir);
      }, 300_000);

      it(`builds 32-bit ${target.elf.bigEndian ? "big" : "little"}-endian programs for ${target.id}`, async () => {
        expect(await elfHeader(path.join(dir, "test_mem"))).toEqual({
          bits: 32,
          bigEndian: target.elf.bigEndian,
          machine: target.elf.machine,
        });
      });

      it("passes every suite and every case (failed assertions are printed below)", () => {
        expect(result.suites.length).toBeGreaterThan(0);
        const failedSuites = result.suites.filter((s) => !s.passed).map((s) => s.name);
        expect({ failedSuites, failedCases: result.failed }, result.output).toEqual({
          failedSuites: [],
          failedCases: [],
        });
        expect(result.passed).toEqual(result.run);
        expect(result.exitCode).toBe(0);
      });

      it("reports failed assertions as cmocka does (the header's own self-test)", async () => {
        const run = await execa(target.qemu, [path.join(dir, "mini_cmocka_selftest")], { reject: false });
        const marked = (mark: string): string[] =>
          [...run.stdout.matchAll(new RegExp(`^\\[${mark}\\] (\\S+)$`, "gm"))].map((m) => m[1] ?? "");
        expect(run.exitCode).toBe(4);
        expect(marked("       OK ")).toEqual(["passes", "state_reaches_the_test"]);
        expect(marked("  FAILED  ")).toEqual([
          "fails_on_64_bit_values",
          "fails_on_strings",
          "fails_on_memory",
          "fails_on_false",
        ]);
        // the teardown ran after each failed assertion that had one
        expect(run.stdout).toContain("teardown 2");
        expect(run.stderr).toContain("0x100000000 (4294967296) != 0 (0)");
      });
    },
  );
}
