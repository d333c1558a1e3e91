/**
 * The ABI contract (cli/abi/) and its generated copies: every checked-in copy is what
 * `npm run gen:abi` renders now, the C headers compile and resolve overrides as documented,
 * and the contract says what upstream Ocre 0.7 says (values read from project-ocre/ocre-runtime's
 * sources, written here by hand so that a change of the contract cannot pass unnoticed).
 */
import { execa } from "execa";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ABI_CONSTANTS,
  CAPABILITY_DEFS,
  ERRNO,
  EVENT_TYPE,
  LIMITS,
  upstreamCapabilities,
} from "../cli/abi/contract.js";
import { generatedFiles } from "../cli/abi/generate.js";
import { DEFAULT_LIMITS } from "../cli/sim/limits.js";
import { repoRoot, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";

describe("generated copies of the ABI contract", () => {
  it.each(generatedFiles().map((f) => [f.path, f.text]))("%s is up to date (npm run gen:abi)", async (file, text) => {
    const onDisk = await readFile(path.join(repoRoot, file), "utf8");
    expect(onDisk === text, `${file} is stale: run npm run gen:abi`).toBe(true);
  });

  it("the Zephyr module's Kconfig sources the generated limits and defines none itself", async () => {
    const kconfig = await readFile(path.join(repoRoot, "zephyr-module/Kconfig"), "utf8");
    expect(kconfig).toContain('rsource "Kconfig.limits"');
    for (const l of Object.values(LIMITS)) expect(kconfig).not.toContain(`config ${l.symbol}\n`);
  });

  it("every limit in Kconfig.limits has its contract default, range and help", async () => {
    const text = await readFile(path.join(repoRoot, "zephyr-module/Kconfig.limits"), "utf8");
    const options = [
      ...text.matchAll(/^config (\w+)\n\tint "[^"]+"\n\tdefault (\d+)\n\trange (\d+) (\d+)\n\thelp\n/gm),
    ];
    expect(options.map((m) => m[1])).toEqual(Object.values(LIMITS).map((l) => l.symbol));
    expect(options.find((m) => m[1] === "OCRE_MAX_CONTAINERS")?.slice(2)).toEqual(["2", "1", "16"]);
    expect(options.find((m) => m[1] === "OCRE_WAMR_HEAP_POOL_SIZE")?.[2]).toBe("98304");
  });
});

describe("the contract holds upstream Ocre 0.7's values", () => {
  it("errno values are Linux's, as upstream returns them (EIO and ENODEV included)", () => {
    expect(ERRNO).toEqual({
      EPERM: 1,
      ENOENT: 2,
      EIO: 5,
      ENOMEM: 12,
      EBUSY: 16,
      ENODEV: 19,
      EINVAL: 22,
      ENOSYS: 38,
      ENOMSG: 42,
    });
  });

  it("event types are upstream's ocre_resource_type_t", () => {
    expect(EVENT_TYPE).toEqual({ timer: 0, gpio: 1, sensor: 2, message: 3 });
  });

  it("limits an app sees default to upstream's Zephyr build", () => {
    // zephyr/Kconfig: OCRE_MAX_TIMERS 8, OCRE_MESSAGING_MAX_SUBSCRIPTIONS 16, OCRE_GPIO_MAX_PINS 32;
    // ocre_common.c: SIZE_OCRE_EVENT_BUFFER 32; ocre_messaging.c: OCRE_MAX_TOPIC_LEN 64 (63 + NUL).
    expect(LIMITS.maxTimers.default).toBe(8);
    expect(LIMITS.maxSubscriptions.default).toBe(16);
    expect(LIMITS.eventQueueDepth.default).toBe(32);
    expect(LIMITS.maxGpioCallbacks.default).toBe(32);
    expect(ABI_CONSTANTS.OCRE_MAX_PREFIX_BYTES).toBe(63);
    expect([ABI_CONSTANTS.OCRE_TIMER_MIN_MS, ABI_CONSTANTS.OCRE_TIMER_MAX_MS]).toEqual([1, 65535]);
    expect([ABI_CONSTANTS.OCRE_UNAME_FIELDS, ABI_CONSTANTS.OCRE_UNAME_FIELD_BYTES]).toEqual([6, 80]);
  });

  it("the simulator enforces the contract's defaults", () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxTimers: 8, maxSubscriptions: 16, eventQueueDepth: 32 });
  });

  it("capability bits are stable and ocre's fine-grained names map to ocre:api", () => {
    expect(CAPABILITY_DEFS.map((c) => [c.name, c.bit])).toEqual([
      ["ocre:api", 0],
      ["timers", 1],
      ["gpio", 2],
      ["sensors", 3],
      ["messaging", 4],
      ["ocre:shared_heap", 5],
      ["networking", 6],
      ["filesystem", 7],
    ]);
    expect(upstreamCapabilities(["timers", "messaging", "gpio"])).toEqual(["ocre:api"]);
    expect(upstreamCapabilities(["sensors", "filesystem"])).toEqual(["filesystem", "ocre:api"]);
  });
});

describe.skipIf(missingTools("gcc"))("the generated C headers", () => {
  const program = `#include <stdio.h>
#include <ocre/ocre_abi.h>
#include "ocre_limits.h"
int main(void) {
  printf("%d %d %d %d %d %d %u\\n", OCRE_MAX_CONTAINERS, OCRE_MAX_TIMERS, OCRE_MAX_SUBSCRIPTIONS,
         OCRE_EVENT_QUEUE_DEPTH, OCRE_WAMR_HEAP_POOL_SIZE, OCRE_ENOMSG, OCRE_CAP_MESSAGING);
  return OCRE_EVENT_MESSAGE == 3 ? 0 : 1;
}
`;
  const compile = async (defs: string[]) => {
    const dir = await tempDir("ocre-abi-h-");
    await writeFile(path.join(dir, "t.c"), program);
    const inc = ["-I", path.join(repoRoot, "wamr-glue/include"), "-I", path.join(repoRoot, "wamr-glue/src")];
    const cc = await execa("gcc", ["-Wall", "-Wextra", "-Werror", ...inc, ...defs, "t.c", "-o", "t"], {
      cwd: dir,
      reject: false,
    });
    if (cc.exitCode !== 0) return { ok: false, out: cc.stderr };
    return { ok: true, out: (await execa(path.join(dir, "t"))).stdout };
  };

  it("default to the contract without Kconfig", async () => {
    expect(await compile([])).toEqual({ ok: true, out: "2 8 16 32 98304 42 16" });
  });

  it("take Kconfig's CONFIG_* values and -D overrides", async () => {
    expect(await compile(["-DCONFIG_OCRE_MAX_TIMERS=3", "-DOCRE_MAX_CONTAINERS=4"])).toEqual({
      ok: true,
      out: "4 3 16 32 98304 42 16",
    });
  });

  it("refuse a value out of the Kconfig range", async () => {
    const r = await compile(["-DOCRE_MAX_TIMERS=0"]);
    expect(r.ok).toBe(false);
    expect(r.out).toContain("OCRE_MAX_TIMERS out of range 1..32");
  });
});
