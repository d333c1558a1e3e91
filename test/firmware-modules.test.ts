import { beforeAll, describe, expect, it } from "vitest";
import { access, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import path from "node:path";
import { findModules } from "../cli/firmware/modules.js";
import { missingTools } from "./helpers/tools.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";

/*
 * A workspace laid out the way `west update` leaves Zephyr 3.7.1's: the west project name is
 * not the folder (hal_stm32 lives in modules/hal/stm32) and several modules' zephyr/module.yml
 * have no `name:` (hal_stm32 and cmsis really have none at that revision).
 */
const ZEPHYR_WEST_YML = `manifest:
  defaults:
    remote: upstream
  remotes:
    - name: upstream
      url-base: https://github.com/zephyrproject-rtos
  projects:
    - name: cmsis
      revision: 4b96cbb174678dcd3ca86e11e1f24bc5f8726da0
      path: modules/hal/cmsis
    - name: hal_nordic
      revision: ab5cb2e2faeb1edfad7a25286dcb513929ae55da
      path: modules/hal/nordic
    - name: hal_nxp
      revision: 862e001504bd6e0a4feade6a718e9f973116849c
      path: modules/hal/nxp
    - name: hal_stm32
      revision: f1317150eac951fdd8259337a47cbbc4c2e6d335
      path: modules/hal/stm32
    - name: hal_espressif
      revision: 0123456789abcdef0123456789abcdef01234567
      path: modules/hal/espressif
  self:
    path: zephyr
`;

/** Creates a module folder: with zephyr/module.yml (`name` or none), or the CMakeLists.txt + Kconfig form. */
async function module(dir: string, form: { name?: string } | "cmake-kconfig"): Promise<void> {
  await mkdir(path.join(dir, "zephyr"), { recursive: true });
  if (form === "cmake-kconfig") {
    await writeFile(path.join(dir, "zephyr", "CMakeLists.txt"), "");
    await writeFile(path.join(dir, "zephyr", "Kconfig"), "");
    return;
  }
  await writeFile(
    path.join(dir, "zephyr", "module.yml"),
    `${form.name ? `name: ${form.name}\n` : ""}build:\n  cmake-ext: true\n  kconfig-ext: true\n`,
  );
}

/** A Zephyr tree as doctor checks it, plus WAMR, in `ws`; with or without west.yml. */
async function zephyrTree(ws: string, westYml: boolean): Promise<string> {
  const zephyr = path.join(ws, "zephyr");
  await mkdir(path.join(zephyr, "cmake", "modules"), { recursive: true });
  await writeFile(path.join(zephyr, "VERSION"), "VERSION_MAJOR = 3\nVERSION_MINOR = 7\nPATCHLEVEL = 1\n");
  if (westYml) await writeFile(path.join(zephyr, "west.yml"), ZEPHYR_WEST_YML);
  const wamr = path.join(ws, "modules", "lib", "wasm-micro-runtime");
  await mkdir(path.join(wamr, "build-scripts"), { recursive: true });
  await writeFile(path.join(wamr, "build-scripts", "runtime_lib.cmake"), "");
  await module(wamr, { name: "wasm-micro-runtime" });
  return zephyr;
}

describe("finding the Zephyr modules a board needs in a workspace", () => {
  let ws = "";
  let zephyr = "";

  beforeAll(async () => {
    ws = await tempDir("ocre-modules-");
    zephyr = await zephyrTree(ws, true);
    await module(path.join(ws, "modules", "hal", "cmsis"), {});
    await module(path.join(ws, "modules", "hal", "stm32"), {});
    await module(path.join(ws, "modules", "hal", "nordic"), { name: "hal_nordic" });
    // Placed by hand, not where west.yml says: found by folder name.
    await module(path.join(ws, "modules", "hal_espressif"), "cmake-kconfig");
    // Not a west project at all: found by its module.yml name.
    await module(path.join(ws, "modules", "lib", "sensor-drivers"), { name: "my_sensors" });
    // hal_nxp is a project of west.yml but was never fetched.
  });

  it("finds modules at their west.yml path, whether or not module.yml names them", async () => {
    const { found, missing } = await findModules(zephyr, ws, ["cmsis", "hal_stm32", "hal_nordic"]);
    expect(missing).toEqual([]);
    expect(Object.fromEntries(found)).toEqual({
      cmsis: path.join(ws, "modules", "hal", "cmsis"),
      hal_stm32: path.join(ws, "modules", "hal", "stm32"),
      hal_nordic: path.join(ws, "modules", "hal", "nordic"),
    });
  });

  it("falls back to module.yml's name and the folder name for modules placed by hand", async () => {
    const { found, missing } = await findModules(zephyr, ws, ["hal_espressif", "my_sensors"]);
    expect(missing).toEqual([]);
    expect(found.get("hal_espressif")).toBe(path.join(ws, "modules", "hal_espressif"));
    expect(found.get("my_sensors")).toBe(path.join(ws, "modules", "lib", "sensor-drivers"));
  });

  it("reports a missing module with where west would put it and where to clone it from", async () => {
    const { found, missing } = await findModules(zephyr, ws, ["cmsis", "hal_nxp", "no_such_module"]);
    expect([...found.keys()]).toEqual(["cmsis"]);
    expect(missing).toEqual([
      {
        name: "hal_nxp",
        expected: {
          name: "hal_nxp",
          path: "modules/hal/nxp",
          revision: "862e001504bd6e0a4feade6a718e9f973116849c",
          url: "https://github.com/zephyrproject-rtos/hal_nxp",
        },
      },
      { name: "no_such_module", expected: null },
    ]);
  });

  it("without Zephyr's west.yml, a module named only by its west project name is not found", async () => {
    const bare = await tempDir("ocre-modules-bare-");
    const tree = await zephyrTree(bare, false);
    await module(path.join(bare, "modules", "hal", "stm32"), {});
    await module(path.join(bare, "modules", "hal", "nordic"), { name: "hal_nordic" });
    const { found, missing } = await findModules(tree, bare, ["hal_stm32", "hal_nordic"]);
    expect([...found.keys()]).toEqual(["hal_nordic"]);
    expect(missing).toEqual([{ name: "hal_stm32", expected: null }]);
  });
});

/** PATH without folders holding a `west` (the module lookup is the CMake path's; west does its own). */
async function pathWithoutWest(): Promise<string> {
  const dirs: string[] = [];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const hasWest = await access(path.join(dir, "west"), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (!hasWest) dirs.push(dir);
  }
  return dirs.join(path.delimiter);
}

describe.skipIf(missingTools("arm-none-eabi-gcc", "cmake", "ninja", "dtc", "python3"))(
  "ocre build --firmware (CLI) and the board's Zephyr modules",
  () => {
    let ws = "";
    let app = "";
    let env: Record<string, string> = {};

    beforeAll(async () => {
      ws = await tempDir("ocre-modules-cli-");
      await zephyrTree(ws, true);
      await module(path.join(ws, "modules", "hal", "cmsis"), {});
      app = path.join(ws, "app");
      await cp(path.join(repoRoot, "test", "fixtures", "pipeline", "hello"), app, { recursive: true });
      // One page and no app heap: fits the board's RAM budget whatever the defaults are.
      await writeFile(
        path.join(app, "ocre.yaml"),
        "name: hello-fixture\nversion: 0.1.0\nmemory:\n  initialPages: 1\n  maxPages: 1\n  heap: 0\n",
      );
      env = { PATH: await pathWithoutWest(), ZEPHYR_BASE: path.join(ws, "zephyr"), OCRE_WAMR_DIR: "" };
    });

    it("exits 1 naming the missing module, its west.yml path and how to fetch it", async () => {
      const run = await runOcre(["build", "--firmware", "--board", "nucleo_h743zi", "--toolchain", "gnu"], {
        cwd: app,
        env,
      });
      expect(run.stderr).toContain(
        `error OCRE_FIRMWARE_MODULES: nucleo_h743zi needs the Zephyr module hal_stm32, not found in the workspace ${ws}`,
      );
      expect(run.stderr).not.toMatch(/needs the Zephyr modules? cmsis/);
      const stm32 = path.join(ws, "modules", "hal", "stm32");
      expect(run.stderr).toContain(`hal_stm32: not at ${stm32} (its path in Zephyr's west.yml)`);
      expect(run.stderr).toContain(
        `git clone https://github.com/zephyrproject-rtos/hal_stm32 ${stm32} && git -C ${stm32} checkout f1317150eac951fdd8259337a47cbbc4c2e6d335`,
      );
      expect(run.stderr).toMatch(/hint: `west update hal_stm32` fetches it/);
      expect(run.exitCode).toBe(1);
    });

    it("once hal_stm32 is in modules/hal/stm32 (module.yml without a name), hands both modules to CMake", async () => {
      await module(path.join(ws, "modules", "hal", "stm32"), {});
      const run = await runOcre(["build", "--firmware", "--board", "nucleo_h743zi", "--toolchain", "gnu"], {
        cwd: app,
        env,
      });
      // The stand-in Zephyr tree cannot configure; what matters is what CMake was given.
      expect(run.stderr).not.toContain("OCRE_FIRMWARE_MODULES");
      expect(run.stderr).toMatch(/error OCRE_FIRMWARE_BUILD: firmware build for nucleo_h743zi failed \(configure\)/);
      expect(run.exitCode).toBe(1);
      const log = await readFile(path.join(app, "build", ".ocre-cmake", "nucleo_h743zi", "build.log"), "utf8");
      const modules = /-DZEPHYR_MODULES=(\S+)/.exec(log)?.[1]?.split(";");
      expect(modules?.slice(0, 2)).toEqual([
        path.join(ws, "modules", "hal", "cmsis"),
        path.join(ws, "modules", "hal", "stm32"),
      ]);
    });
  },
);
