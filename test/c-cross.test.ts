/**
 * The portable core of the C shim (OCRE_CORE_SOURCES: no WAMR, no RTOS headers) compiles
 * cleanly with the firmware's -Wall -Wextra -Werror -Os for every target architecture. The
 * WAMR-calling files (wamr-glue/src/wamr/) need WAMR's wasm_export.h, which is not vendored,
 * and the Zephyr port needs a Zephyr tree: both are checked by real firmware builds instead.
 */
import { describe, expect, it } from "vitest";
import { TARGETS, compileTarget, coreSources } from "./c/cross-compile.mjs";
import { missingTools } from "./helpers/tools.js";

describe("C shim cross-compiles", () => {
  for (const target of TARGETS) {
    describe.skipIf(missingTools(target.cc, target.size))(target.id, () => {
      it(`builds every core file with ${target.cc} ${target.flags.join(" ")} -Werror -Os`, async () => {
        const result = await compileTarget(target);
        const sources = await coreSources();
        expect(result.files.map((f) => f.file).sort()).toEqual(
          sources.map((s) => s.split("/").pop()!.replace(/\.c$/, ".o")).sort(),
        );
        // Code only in .text: nothing writable is initialised, tables are const.
        expect(result.total.data).toBe(0);
        expect(result.total.text).toBeGreaterThan(0);
      });
    });
  }

  describe.skipIf(missingTools("arm-none-eabi-gcc", "arm-none-eabi-size"))("feature switches", () => {
    it("builds with every optional feature off, as Kconfig can configure it", async () => {
      const m33 = TARGETS.find((t) => t.id === "cortex-m33")!;
      const off = await compileTarget(m33, [
        "-DCONFIG_OCRE=1",
        "-DCONFIG_OCRE_MAX_CONTAINERS=1",
        "-DCONFIG_OCRE_WATCHDOG_MS=0",
      ]);
      expect(off.total.data).toBe(0);
    });
  });
});
