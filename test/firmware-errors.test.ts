import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { firstError, linkOverflow } from "../cli/firmware/build.js";
import { missingTools } from "./helpers/tools.js";
import { tempDir } from "./helpers/cli.js";

/** Runs the cross compiler the way a firmware build does and returns everything it printed. */
async function gccOutput(dir: string, args: string[]): Promise<string> {
  const result = await execa("arm-none-eabi-gcc", args, { cwd: dir, reject: false, all: true });
  expect(result.exitCode).not.toBe(0);
  return String(result.all);
}

describe.skipIf(missingTools("arm-none-eabi-gcc"))(
  "firmware build failures, from real compiler and linker output",
  () => {
    it("picks the first compiler error out of a noisy log", async () => {
      const dir = await tempDir("ocre-fwerr-");
      await writeFile(
        path.join(dir, "main.c"),
        "int ok(void) { return 0; }\nint broken(void) { return undeclared_thing; }\nint worse(void) { return also_missing; }\n",
      );
      const output = await gccOutput(dir, ["-mcpu=cortex-m33", "-mthumb", "-c", "main.c", "-o", "main.o"]);
      const log = `-- Configuring done\n[1/2] Building C object main.c.obj\nFAILED: main.c.obj\n${output}\nninja: build stopped: subcommand failed.\n`;
      const lines = firstError(log);
      expect(lines[0]).toMatch(/^main\.c:2:\d+: error: 'undeclared_thing' undeclared/);
      expect(lines.join("\n")).not.toMatch(/also_missing/);
    });

    it("reads ld's region overflow (the container no longer fits) with the bytes over", async () => {
      const dir = await tempDir("ocre-fwerr-");
      await writeFile(
        path.join(dir, "big.c"),
        "const unsigned char app0_wasm[4096] = {1};\nvoid _start(void) { for (;;) { } }\n",
      );
      await writeFile(
        path.join(dir, "tiny.ld"),
        "MEMORY { FLASH (rx) : ORIGIN = 0x10000000, LENGTH = 1K\n RAM (rwx) : ORIGIN = 0x38000000, LENGTH = 1K }\nSECTIONS { .text : { *(.text*) } > FLASH\n .rodata : { *(.rodata*) } > FLASH }\n",
      );
      const output = await gccOutput(dir, [
        "-mcpu=cortex-m33",
        "-mthumb",
        "-nostdlib",
        "-T",
        "tiny.ld",
        "big.c",
        "-o",
        "big.elf",
      ]);
      const over = linkOverflow(output);
      expect(over).toHaveLength(1);
      expect(over[0]!.region).toBe("FLASH");
      // 4096 bytes of container plus the code, in a 1024-byte region.
      expect(over[0]!.bytes).toBeGreaterThan(4096 - 1024);
      expect(firstError(output)[0]).toMatch(/region `FLASH' overflowed by \d+ bytes/);
      // One section alone too big: ld only says it will not fit.
      expect(linkOverflow("ld: zephyr.elf section `rodata' will not fit in region `FLASH'\n")).toEqual([
        { region: "FLASH", bytes: null },
      ]);
    });

    it("names the undefined Kconfig symbols when Zephyr aborts on Kconfig warnings", () => {
      const log = [
        "Parsing /ws/zephyr/Kconfig",
        "/app/prj.conf:4: warning: attempt to assign the value 'y' to the undefined symbol OCRE",
        "error: Aborting due to Kconfig warnings",
        "CMake Error at /ws/zephyr/cmake/modules/kconfig.cmake:389 (message):",
        "  command failed with return code: 1",
      ].join("\n");
      expect(firstError(log)).toEqual([
        "/app/prj.conf:4: warning: attempt to assign the value 'y' to the undefined symbol OCRE",
        "error: Aborting due to Kconfig warnings",
      ]);
    });
  },
);
