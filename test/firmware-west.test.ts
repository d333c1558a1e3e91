import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { probePython } from "../cli/firmware/doctor/probe.js";
import type { ResolvedConfig } from "../cli/config/types.js";
import type { ContainerSpec } from "../cli/spec.js";
import { firmwareFor, generateFor, makeSpec } from "./generate-fixtures.js";
import { missingTools } from "./helpers/tools.js";
import { runOcre, tempDir } from "./helpers/cli.js";

/*
 * west is a PyPI package and cannot be installed here, so the west paths (west build, west
 * flash) run against a stand-in `west` script that records its arguments and behaves like west
 * from the outside: `west build -d DIR` leaves DIR/zephyr/zephyr.elf, `west flash` exits with
 * the code it is told to. What is checked is ocre's side: the command line it hands to west,
 * and what it does with the result.
 */
const FAKE_WEST = `#!/bin/sh
printf '%s\\n' "$@" >> "$WEST_ARGS_FILE"
printf '%s\\n' '----' >> "$WEST_ARGS_FILE"
case "$1" in
--version) echo "West version: v1.2.0" ;;
build)
	prev=
	for a in "$@"; do
		[ "$prev" = "-d" ] && dir=$a
		prev=$a
	done
	mkdir -p "$dir/zephyr" && cp "$FAKE_ELF" "$dir/zephyr/zephyr.elf"
	echo "[1/1] Linking C executable zephyr/zephyr.elf"
	;;
flash)
	echo "-- west flash: using runner stand-in"
	exit "\${FAKE_FLASH_EXIT:-0}"
	;;
esac
`;

const spec: ContainerSpec = makeSpec({ name: "west-test", memory: { heapBytes: 0 } });

async function westCalls(file: string): Promise<string[][]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("----\n")
    .filter((chunk) => chunk !== "")
    .map((chunk) => chunk.replace(/\n$/, "").split("\n"));
}

describe.skipIf(missingTools("arm-none-eabi-gcc", "cmake", "ninja", "dtc"))(
  "firmware builds against a stand-in workspace (west, versions, modules)",
  () => {
    let root = "";
    let env: Record<string, string> = {};
    let app = "";
    let cfg: ResolvedConfig;

    beforeAll(async () => {
      root = await tempDir("ocre-west-");
      const bin = path.join(root, "bin");
      await mkdir(bin);
      await writeFile(path.join(bin, "west"), FAKE_WEST);
      await chmod(path.join(bin, "west"), 0o755);
      // A Zephyr tree and WAMR as doctor checks them (the stand-in west does the building).
      const zephyr = path.join(root, "ws", "zephyr");
      await mkdir(path.join(zephyr, "cmake", "modules"), { recursive: true });
      await writeFile(path.join(zephyr, "VERSION"), "VERSION_MAJOR = 3\nVERSION_MINOR = 7\nPATCHLEVEL = 1\n");
      const wamr = path.join(root, "ws", "modules", "lib", "wasm-micro-runtime");
      await mkdir(path.join(wamr, "build-scripts"), { recursive: true });
      await writeFile(path.join(wamr, "build-scripts", "runtime_lib.cmake"), "");
      // The module the AN521 needs (doctor and the build check it, west or not).
      await mkdir(path.join(root, "ws", "modules", "hal", "cmsis", "zephyr"), { recursive: true });
      await writeFile(path.join(root, "ws", "modules", "hal", "cmsis", "zephyr", "module.yml"), "name: cmsis\n");
      // The "built" image: a small Cortex-M33 ELF with flash and RAM regions.
      await writeFile(
        path.join(root, "fw.c"),
        "int counter = 1;\nstatic int zeroed[32];\nint main(void) { zeroed[counter & 31] = counter; return zeroed[1]; }\nvoid _start(void) { main(); for (;;) { } }\n",
      );
      await writeFile(
        path.join(root, "fw.ld"),
        "MEMORY { FLASH (rx) : ORIGIN = 0x10000000, LENGTH = 64K\n RAM (rwx) : ORIGIN = 0x38000000, LENGTH = 16K }\nSECTIONS { .text : { *(.text*) *(.rodata*) } > FLASH\n .data : { *(.data*) } > RAM AT > FLASH\n .bss (NOLOAD) : { *(.bss*) } > RAM }\n",
      );
      await execa(
        "arm-none-eabi-gcc",
        ["-mcpu=cortex-m33", "-mthumb", "-nostdlib", "-O1", "-T", "fw.ld", "fw.c", "-o", "fw.elf"],
        { cwd: root },
      );
      const python = await probePython(process.env);
      env = {
        ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
        ZEPHYR_BASE: zephyr,
        OCRE_WAMR_DIR: "",
        WEST_ARGS_FILE: path.join(root, "west-args.txt"),
        FAKE_ELF: path.join(root, "fw.elf"),
        PYTHON_WITH_MODULES: python?.path ?? "",
      };
      app = path.join(root, "app");
      cfg = {
        appDir: app,
        manifestPath: path.join(app, "ocre.yaml"),
        buildDir: path.join(app, "build"),
        name: "west-test",
        version: "0.1.0",
        entry: path.join(app, "assembly", "index.ts"),
        capabilities: [],
        memory: spec.memory,
        runtime: "stub",
        optimize: "size",
        debug: false,
        boards: [],
        image: { repository: "west-test", tag: "0.1.0" },
        args: [],
        env: {},
      };
    });

    it("builds with `west build` and the board's target, then copies and measures the image", async () => {
      const boards = await generateFor([spec], cfg, { boards: ["mps2-an521"] });
      const report = await firmwareFor(boards, cfg, { env, toolchain: "gnu" });
      const fw = report["mps2-an521"]!;
      const project = path.join(app, "build", "mps2-an521");
      const fwDir = path.join(project, "firmware");
      // The CMake tree is a cache beside the outputs, at a path that stays the same across builds.
      const tree = path.join(app, "build", ".ocre-cmake", "mps2-an521");
      expect(fw.builder).toBe("west");
      const calls = await westCalls(env.WEST_ARGS_FILE!);
      const build = calls.find((c) => c[0] === "build")!;
      expect(build.slice(0, 7)).toEqual(["build", "-b", "mps2/an521/cpu0", "-d", tree, project, "--"]);
      expect(build).toContain(`-DPython3_EXECUTABLE=${env.PYTHON_WITH_MODULES}`);
      expect(build).toContain("-DCONFIG_BUILD_OUTPUT_HEX=y");
      // The toolchain reaches west through the environment, as Zephyr reads it.
      expect(fw.toolchain).toMatchObject({ kind: "gnu", variant: "gnuarmemb" });
      const elf = await readFile(path.join(fwDir, "zephyr.elf"));
      expect(fw.artifacts.find((a) => a.kind === "elf")).toEqual({
        kind: "elf",
        path: path.join("mps2-an521", "firmware", "zephyr.elf"),
        sha256: createHash("sha256").update(elf).digest("hex"),
        bytes: elf.length,
      });
      expect(fw.size.xip).toBe(true);
      expect(fw.size.flash.start).toBe(0x10000000);
      expect(fw.size.ram.start).toBe(0x38000000);
      expect(await readFile(path.join(app, "build", fw.log), "utf8")).toContain(
        "[1/1] Linking C executable zephyr/zephyr.elf",
      );
    });

    it("flashes with `west flash`, passing --runner and extra arguments through", async () => {
      const run = await runOcre(
        ["flash", "--board", "mps2/an521/cpu0", "--runner", "jlink", "--json", "--", "--erase"],
        {
          cwd: app,
          env,
        },
      );
      expect(run.exitCode).toBe(0);
      const calls = await westCalls(env.WEST_ARGS_FILE!);
      const tree = path.join(app, "build", ".ocre-cmake", "mps2-an521");
      expect(calls.at(-1)).toEqual(["flash", "-d", tree, "--skip-rebuild", "--runner", "jlink", "--", "--erase"]);
      const result = JSON.parse(run.stdout) as {
        ok: boolean;
        runner: string;
        artifacts: { kind: string; path: string }[];
      };
      expect(result).toMatchObject({ ok: true, runner: "jlink" });
      expect(result.artifacts.map((a) => a.kind)).toContain("elf");
      expect(run.stderr).toContain("west flash: using runner stand-in");
    });

    it("exits 1 when west flash fails", async () => {
      const run = await runOcre(["flash", "--board", "mps2-an521"], {
        cwd: app,
        env: { ...env, FAKE_FLASH_EXIT: "3" },
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/west flash exited with 3/);
    });

    it("refuses a Zephyr tree of another version than the project was generated for", async () => {
      const other = path.join(root, "ws44", "zephyr");
      await mkdir(path.join(other, "cmake", "modules"), { recursive: true });
      await writeFile(path.join(other, "VERSION"), "VERSION_MAJOR = 4\nVERSION_MINOR = 4\nPATCHLEVEL = 0\n");
      const boards = await generateFor([spec], cfg, { boards: ["mps2-an521"] });
      const error = await firmwareFor(boards, cfg, {
        env: {
          ...env,
          ZEPHYR_BASE: other,
          OCRE_WAMR_DIR: path.join(root, "ws", "modules", "lib", "wasm-micro-runtime"),
        },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "OCRE_FIRMWARE_ZEPHYR_MISMATCH" });
      expect((error as Error).message).toMatch(/generated for Zephyr 3\.7, but .* is Zephyr 4\.4\.0/);
      expect((error as { hint: string }).hint).toMatch(/--zephyr 4\.4/);
    });

    it.each([
      ["with", true],
      ["without", false],
    ])("%s west, names the Zephyr modules the board needs that the workspace lacks", async (_, west) => {
      const bare = path.join(root, `bare-${String(west)}`);
      await mkdir(path.join(bare, "zephyr", "cmake", "modules"), { recursive: true });
      await writeFile(path.join(bare, "zephyr", "VERSION"), "VERSION_MAJOR = 3\nVERSION_MINOR = 7\nPATCHLEVEL = 1\n");
      const boards = await generateFor([spec], cfg, { boards: ["mps2-an521"] });
      const error = await firmwareFor(boards, cfg, {
        env: {
          ...env,
          ...(west ? {} : { PATH: process.env.PATH ?? "" }),
          ZEPHYR_BASE: path.join(bare, "zephyr"),
          OCRE_WAMR_DIR: path.join(root, "ws", "modules", "lib", "wasm-micro-runtime"),
        },
        toolchain: "gnu",
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "OCRE_FIRMWARE_MODULES" });
      expect((error as Error).message).toMatch(
        new RegExp(`mps2/an521/cpu0 needs the Zephyr module cmsis, not found in the workspace ${bare}$`),
      );
    });
  },
);
