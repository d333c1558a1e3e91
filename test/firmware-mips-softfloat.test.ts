/**
 * Debian's MIPS cross compilers made fit for bare-metal Zephyr (cli/firmware/toolchains/
 * mips-softfloat.ts): the soft-float libgcc that ocre builds from gcc-12-source computes right
 * without an FPU, the compiler wrappers answer Zephyr's questions, and doctor reports both.
 */
import { execa } from "execa";
import { access, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { firmwareBoard } from "../cli/firmware/board.js";
import { mipsSoftFloatCheck } from "../cli/firmware/doctor/mips-check.js";
import { SOFTFP_FUNCTIONS, mipsWrappers, prepareMipsSoftFloat } from "../cli/firmware/toolchains/mips-softfloat.js";
import { loadCatalog, findBoard } from "../cli/boards/catalog.js";
import { repoRoot, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";

const GCC_SOURCE_DIR = "/usr/src/gcc-12";

async function hasGccSource(): Promise<boolean> {
  const entries = await readdir(GCC_SOURCE_DIR).catch(() => [] as string[]);
  if (entries.some((e) => /^gcc-12.*\.tar\.(xz|gz|bz2)$/.test(e))) return true;
  if (process.env.CI === "true") throw new Error("CI is missing gcc-12-source: add it to test/apt-packages.txt");
  return false;
}

/** Results of test/fixtures/mips-softfloat/softfloat.c as IEEE-754 bits (Python's struct module). */
const EXPECTED = [
  "add 400e000000000000", // 1.5 + 2.25 = 3.75
  "mul 400b000000000000", // 3.375
  "div 3fd5555555555555", // 1 / 3
  "sub bfe8000000000000", // -0.75
  "fmul 00000000bf200000", // 1.25f * -0.5f = -0.625f
  "fdiv 00000000c0200000", // -2.5f
  "i2d c01c000000000000", // (double)-7
  "d2i 0000000000000016", // (int)22.5 = 22
  "l2d c23cbe991a140000", // (double)-123456789012LL
  "d2l fffffea2c1086800", // (long long)-1.5e12
  "u2d 43ef399b1438a100", // (double)18e18ULL
  "f2d 3ff4000000000000", // (double)1.25f
  "d2f 000000003eaaaaab", // (float)(1 / 3)
  "lt 0000000000000111", // comparisons
];

const TARGETS = [
  { id: "mips (big-endian)", compiler: "mips-linux-gnu-gcc", qemu: "qemu-mips", endian: "-EB" },
  { id: "mipsel (little-endian)", compiler: "mipsel-linux-gnu-gcc", qemu: "qemu-mipsel", endian: "-EL" },
];

const source = path.join(repoRoot, "test/fixtures/mips-softfloat/softfloat.c");
const flags = [
  "-O1",
  "-msoft-float",
  "-mno-abicalls",
  "-fno-pic",
  "-G0",
  "-mno-gpopt",
  "-march=mips32",
  "-nostdlib",
  "-static",
  "-no-pie",
  "-Wall",
  "-Wextra",
  "-Werror",
];

for (const target of TARGETS) {
  describe.skipIf(missingTools(target.compiler, target.qemu) || !(await hasGccSource()))(
    `soft-float libgcc for ${target.id}`,
    () => {
      let cache = "";
      let libgcc = "";
      const env = (): NodeJS.ProcessEnv => ({ ...process.env, XDG_CACHE_HOME: cache });

      beforeAll(async () => {
        cache = await tempDir("ocre-xdg-");
        libgcc = await prepareMipsSoftFloat(`/usr/bin/${target.compiler}`, env());
      }, 300_000);

      it("is cached per machine under $XDG_CACHE_HOME/ocre/toolchains, and reused", async () => {
        expect(libgcc.startsWith(path.join(cache, "ocre", "toolchains") + path.sep)).toBe(true);
        expect(path.basename(libgcc)).toBe("libgcc.a");
        const before = (await readFile(libgcc)).length;
        expect(await prepareMipsSoftFloat(`/usr/bin/${target.compiler}`, env())).toBe(libgcc);
        expect((await readFile(libgcc)).length).toBe(before);
      });

      it(`holds all ${SOFTFP_FUNCTIONS.length} soft-fp routines, built soft-float and without abicalls`, async () => {
        const prefix = target.compiler.replace(/gcc$/, "");
        const { stdout } = await execa(`${prefix}readelf`, ["-A", libgcc]);
        for (const fn of SOFTFP_FUNCTIONS) {
          const member = stdout.split(/^File: /m).find((block) => block.includes(`(${fn}.o)`));
          expect(member, fn).toBeDefined();
          expect(member, fn).toMatch(/FP ABI: Soft float/);
        }
        const header = await execa(`${prefix}readelf`, ["-h", libgcc]);
        expect(header.stdout).toMatch(target.endian === "-EB" ? /big endian/ : /little endian/);
      });

      it("computes float, double and int64 right on a CPU without an FPU (qemu -cpu 24Kc)", async () => {
        const dir = await tempDir("ocre-softfp-");
        const exe = path.join(dir, "softfloat");
        await execa(target.compiler, [...flags, target.endian, source, libgcc, "-o", exe]);
        const run = await execa(target.qemu, ["-cpu", "24Kc", exe], { reject: false });
        expect(run.stdout.trim().split("\n")).toEqual(EXPECTED);
        expect(run.exitCode).toBe(0);
      });

      it("is needed: Debian's own libgcc traps on the same CPU (hard-float instructions)", async () => {
        const dir = await tempDir("ocre-hardfp-");
        const exe = path.join(dir, "hardfloat");
        await execa(target.compiler, [...flags, target.endian, source, "-lgcc", "-o", exe]);
        const run = await execa(target.qemu, ["-cpu", "24Kc", exe], { reject: false });
        expect(run.exitCode).not.toBe(0);
        expect(`${run.stderr}`).toMatch(/Illegal instruction/);
      });

      it("wrappers answer Zephyr's include-fixed and libgcc questions and add the bare-metal flags", async () => {
        const dir = await tempDir("ocre-mipswrap-");
        const prefix = await mipsWrappers(`/usr/bin/${target.compiler.replace(/gcc$/, "")}`, dir, env());
        const limits = await execa(`${prefix}gcc`, ["--print-file-name=include-fixed/limits.h"]);
        expect(limits.stdout.trim()).toMatch(/\/include\/limits\.h$/);
        await access(limits.stdout.trim());
        const lib = await execa(`${prefix}gcc`, ["--print-libgcc-file-name"]);
        expect(lib.stdout.trim()).toBe(libgcc);
        // -v prints the options the driver received (it folds -fno-pic into cc1's own flags).
        const compile = await execa(`${prefix}gcc`, ["-v", "-x", "c", "-c", "-o", "/dev/null", "-"], {
          input: "int x;",
          all: true,
        });
        expect(compile.all).toMatch(/COLLECT_GCC_OPTIONS='-mno-abicalls' '-fno-pie' '-no-pie'/);
        // Other tools are the real ones.
        const objdump = await execa(`${prefix}objdump`, ["--version"]);
        expect(objdump.stdout).toMatch(/GNU objdump/);
      });

      it("doctor: ok once cached; with no GCC source and no cache, missing with the apt fix", async () => {
        const cached = await mipsSoftFloatCheck(`/usr/bin/${target.compiler}`, env(), true);
        expect(cached).toMatchObject({ status: "ok", path: libgcc });
        const empty = await tempDir("ocre-nosrc-");
        const none = await mipsSoftFloatCheck(
          `/usr/bin/${target.compiler}`,
          { ...process.env, XDG_CACHE_HOME: empty, OCRE_GCC_SOURCE_DIR: empty },
          true,
        );
        expect(none.status).toBe("missing");
        expect(none.fix).toMatch(/^apt-get install gcc-12-source/);
      });
    },
  );
}

describe("MIPS boards in the catalog", () => {
  it("build little-endian with mipsel-linux-gnu-gcc and big-endian with mips-linux-gnu-gcc", async () => {
    const catalog = await loadCatalog();
    const le = firmwareBoard(findBoard(catalog, "qemu_malta").board);
    const be = firmwareBoard(findBoard(catalog, "qemu_malta/qemu_malta/be").board);
    expect([le.zephyrBoard, le.gnu?.compiler, le.emulator?.[0]]).toEqual([
      "qemu_malta",
      "mipsel-linux-gnu-gcc",
      "qemu-system-mipsel",
    ]);
    expect([be.id, be.gnu?.compiler, be.emulator?.[0]]).toEqual([
      "qemu_malta_be",
      "mips-linux-gnu-gcc",
      "qemu-system-mips",
    ]);
    // Malta's console is its third UART: the first two go to null, the third to stdio.
    expect(le.emulator?.join(" ")).toMatch(/-serial null -serial null -serial mon:stdio$/);
    for (const b of [le, be]) expect(b.gnu?.packages).toContain("gcc-12-source");
  });
});
