/**
 * The portable core of the C shim (OCRE_CORE_SOURCES: no WAMR, no RTOS headers) compiles
 * cleanly with the firmware's -Wall -Wextra -Werror -Os for every target architecture. The
 * WAMR-calling files (wamr-glue/src/wamr/) need WAMR's wasm_export.h, which is not vendored,
 * and the Zephyr port needs a Zephyr tree: both are checked by real firmware builds instead.
 */
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TARGETS, compileTarget, coreSources } from "./c/cross-compile.mjs";
import { missingTools } from "./helpers/tools.js";
import { repoRoot, tempDir } from "./helpers/cli.js";

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

    it("leaves the code of features built without out of the dispatcher (the linker drops it)", async () => {
      const m33 = TARGETS.find((t) => t.id === "cortex-m33")!;
      const undefinedIn = async (dir: string, object: string): Promise<string[]> =>
        (await execa("arm-none-eabi-nm", ["-u", path.join(dir, object)])).stdout
          .split("\n")
          .map((l) => l.trim().split(/\s+/).pop()!)
          .filter((s) => s !== "");
      const feature = /^ocre_api_ocre_(timer|gpio|sensors|publish|subscribe|messaging)_/;
      const off = await compileTarget(m33, ["-DCONFIG_OCRE=1", "-DCONFIG_OCRE_MAX_CONTAINERS=1"]);
      const all = await compileTarget(m33, ["-DOCRE_VERIFY=1"]);
      // Everything built (no Kconfig): the dispatcher calls every call of a feature capability.
      const def = await readFile(path.join(repoRoot, "wamr-glue/src/ocre_abi.def"), "utf8");
      const featureCalls = [
        ...def.matchAll(/^OCRE_ABI_FN\((\w+), "[^"]*", OCRE_CAP_(?:TIMERS|GPIO|SENSORS|MESSAGING)\)/gm),
      ];
      expect(featureCalls.length).toBeGreaterThan(20);
      expect((await undefinedIn(all.dir, "ocre_dispatch.o")).filter((s) => feature.test(s)).sort()).toEqual(
        featureCalls.map((m) => `ocre_api_${m[1]}`).sort(),
      );
      // Features off: none of their code is referenced; nor is the signature check without OCRE_VERIFY.
      expect((await undefinedIn(off.dir, "ocre_dispatch.o")).filter((s) => feature.test(s))).toEqual([]);
      expect(await undefinedIn(off.dir, "ocre_container.o")).not.toContain("ocre_verify_container");
      expect(await undefinedIn(all.dir, "ocre_container.o")).toContain("ocre_verify_container");
      // GPIO without edge events (blinky): every GPIO call but the four callback calls.
      const gpio = await compileTarget(m33, [
        "-DCONFIG_OCRE=1",
        "-DCONFIG_OCRE_MAX_CONTAINERS=1",
        "-DCONFIG_OCRE_GPIO=1",
      ]);
      const gpioCalls = [...def.matchAll(/^OCRE_ABI_FN\((ocre_gpio_\w+), "[^"]*", OCRE_CAP_GPIO\)/gm)].map(
        (m) => `ocre_api_${m[1]}`,
      );
      const callbackCalls = gpioCalls.filter((n) => /_callback(_by_name)?$/.test(n));
      expect(callbackCalls).toHaveLength(4);
      expect((await undefinedIn(gpio.dir, "ocre_dispatch.o")).filter((s) => feature.test(s)).sort()).toEqual(
        gpioCalls.filter((n) => !callbackCalls.includes(n)).sort(),
      );
    });

    it("registers with WAMR only the calls of built features, unless the device agent may install more", async () => {
      // Compiled against test/c/wamr-decls (WAMR's declarations, which are not vendored); the
      // table's size in the object says how many calls are registered (16 bytes each on M33).
      const def = await readFile(path.join(repoRoot, "wamr-glue/src/ocre_abi.def"), "utf8");
      const caps = [...def.matchAll(/^OCRE_ABI_FN\(\w+, "[^"]*", (\w+)\)/gm)].map((m) => m[1]!);
      expect(caps.length).toBeGreaterThan(30);
      const entries = async (defines: string[]): Promise<number> => {
        const dir = await tempDir("ocre-natives-");
        const object = path.join(dir, "natives.o");
        const glue = path.join(repoRoot, "wamr-glue");
        await execa("arm-none-eabi-gcc", [
          ...["-mcpu=cortex-m33", "-mthumb", "-Os", "-Wall", "-Wextra", "-Werror", "-c"],
          ...[`-I${path.join(repoRoot, "test/c/wamr-decls")}`, `-I${path.join(glue, "include")}`],
          `-I${path.join(glue, "src")}`,
          ...defines,
          path.join(glue, "src/wamr/ocre_wamr_natives.c"),
          "-o",
          object,
        ]);
        const line = (await execa("arm-none-eabi-nm", ["-S", "-t", "d", object])).stdout
          .split("\n")
          .find((l) => l.endsWith(" env_natives"))!;
        return Number(line.split(/\s+/)[1]) / 16;
      };
      const count = (...kept: string[]) => caps.filter((c) => c === "0" || kept.includes(c)).length;
      const kconfig = ["-DCONFIG_OCRE=1", "-DCONFIG_OCRE_MAX_CONTAINERS=1"];
      expect(await entries(kconfig)).toBe(count());
      expect(await entries([...kconfig, "-DCONFIG_OCRE_TIMERS=1", "-DCONFIG_OCRE_MESSAGING=1"])).toBe(
        count("OCRE_CAP_TIMERS", "OCRE_CAP_MESSAGING"),
      );
      expect(await entries([...kconfig, "-DCONFIG_OCRE_AGENT=1"])).toBe(caps.length);
      expect(await entries([])).toBe(caps.length);
    });
  });
});
