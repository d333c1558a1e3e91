import { cp, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { findBoard, loadCatalog, readBoardFile } from "../cli/boards/catalog.js";
import { boardTarget, resolveZephyrRelease } from "../cli/boards/zephyr.js";
import { boardsDir } from "../cli/paths.js";
import { runOcre, tempDir } from "./helpers/cli.js";
import { caught } from "./helpers/errors.js";

/** The boards issue 3 names, by Zephyr 3.7 board target. */
const REQUIRED_TARGETS = [
  "mps2/an521/cpu0",
  "nrf5340dk/nrf5340/cpuapp",
  "b_u585i_iot02a",
  "nrf52840dk/nrf52840",
  "frdm_k64f",
  "nucleo_h743zi",
  "stm32f746g_disco",
  "mimxrt1064_evk",
  "esp32_devkitc_wroom/esp32/procpu",
  "qemu_riscv32",
  "esp32c3_devkitm",
  "qemu_malta",
  "qemu_malta/qemu_malta/be",
  "native_sim/native/64",
];

describe("board catalog", () => {
  it("has every required board, each valid against the schema", async () => {
    const catalog = await loadCatalog();
    const r37 = resolveZephyrRelease("3.7");
    expect(catalog.boards.map((b) => boardTarget(b.board, r37).board).sort()).toEqual([...REQUIRED_TARGETS].sort());
    const files = (await readdir(boardsDir)).filter((f) => f.endsWith(".yaml"));
    expect(files).toHaveLength(catalog.boards.length);
  });

  it("maps cores to the right WAMR target (M4/M7 are Armv7E-M, not THUMBV8M)", async () => {
    const catalog = await loadCatalog();
    const expected: Record<string, RegExp> = {
      "cortex-m33": /^THUMBV8M(_VFP)?$/,
      "cortex-m4": /^THUMBV7EM(_VFP)?$/,
      "cortex-m7": /^THUMBV7EM(_VFP)?$/,
      xtensa: /^XTENSA$/,
      riscv32: /^RISCV32_ILP32$/,
      mips32: /^MIPS$/,
    };
    for (const { board } of catalog.boards) {
      expect(board.wamrTarget, board.id).toMatch(expected[board.arch]!);
      expect(board.wamrTarget.endsWith("_VFP"), board.id).toBe(
        board.floatAbi === "hard" && board.arch.startsWith("cortex"),
      );
    }
  });

  it("records status honestly: four emulated boots, nine builds, the rest generate-only", async () => {
    const catalog = await loadCatalog();
    const by = (status: string) =>
      catalog.boards
        .filter((b) => b.board.status === status)
        .map((b) => b.board.id)
        .sort();
    expect(by("boots-in-emulator")).toEqual(["mps2-an521", "native_sim", "qemu_malta", "qemu_riscv32"]);
    expect(by("builds")).toEqual([
      "b_u585i_iot02a",
      "esp32c3_devkitm",
      "frdm_k64f",
      "mimxrt1064_evk",
      "nrf52840dk",
      "nrf5340dk",
      "nucleo_h743zi",
      "qemu_malta_be",
      "stm32f746g_disco",
    ]);
    expect(by("generate-only")).toEqual(["esp32_devkitc"]);
    for (const b of catalog.boards.filter((b) => b.board.status === "boots-in-emulator"))
      expect(b.board.emulator, b.board.id).toBeDefined();
  });

  it("ESP32 changes its board name at Zephyr 4.2", async () => {
    const esp = findBoard(await loadCatalog(), "esp32_devkitc").board;
    expect(boardTarget(esp, resolveZephyrRelease("3.7")).board).toBe("esp32_devkitc_wroom/esp32/procpu");
    expect(boardTarget(esp, resolveZephyrRelease("v4.4.0")).board).toBe("esp32_devkitc/esp32/procpu");
  });

  it("a bad board file is an error naming the file and the field", async () => {
    const root = await tempDir("ocre-boardroot-");
    const base = parseYaml(await readFile(path.join(boardsDir, "nrf52840dk.yaml"), "utf8")) as Record<string, unknown>;
    const file = path.join(root, "broken.yaml");
    await writeFile(
      file,
      JSON.stringify({
        ...base,
        id: "broken",
        memory: { ramKb: "lots", flashKb: 1024, baseline: { ramKb: 1, flashKb: 1 } },
      }),
    );
    const error = await caught(loadCatalog({ boardRoots: [root] }));
    expect(error.code).toBe("OCRE_BOARD_INVALID");
    expect(error.message).toContain(file);
    expect(error.message).toContain("memory.ramKb");

    await writeFile(file, JSON.stringify({ ...base, id: "broken", wamrTarget: "THUMBV9" }));
    const enumError = await caught(readBoardFile(file));
    expect(enumError.message).toContain("wamrTarget");
    expect(enumError.details.join("\n")).toContain('"THUMBV7EM"');

    await writeFile(file, JSON.stringify({ ...base, id: "other" }));
    expect((await caught(readBoardFile(file))).message).toContain("named broken.yaml");

    const missing: Record<string, unknown> = { ...base, id: "broken" };
    delete missing.toolchain;
    await writeFile(file, JSON.stringify(missing));
    const missingError = await caught(readBoardFile(file));
    expect(missingError.message).toContain("field toolchain");
  });

  it("an app's boards/ and --board-root add boards and may override built-in ones", async () => {
    const appDir = await tempDir("ocre-boardapp-");
    await mkdir(path.join(appDir, "boards"));
    const base = await readFile(path.join(boardsDir, "qemu_riscv32.yaml"), "utf8");
    await writeFile(path.join(appDir, "boards", "qemu_riscv32.yaml"), base.replace(/^name: .*$/m, "name: My RISC-V"));
    const root = await tempDir("ocre-boardroot-");
    await cp(path.join(boardsDir, "frdm_k64f.yaml"), path.join(root, "k64-custom.yaml"));
    await writeFile(
      path.join(root, "k64-custom.yaml"),
      (await readFile(path.join(root, "k64-custom.yaml"), "utf8")).replace("id: frdm_k64f", "id: k64-custom"),
    );
    const catalog = await loadCatalog({ appDir, boardRoots: [root] });
    expect(findBoard(catalog, "qemu_riscv32").board.name).toBe("My RISC-V");
    expect(findBoard(catalog, "qemu_riscv32").source).toBe("app");
    expect(findBoard(catalog, "k64-custom").source).toBe("board-root");
    expect(catalog.overridden.map((o) => o.id)).toEqual(["qemu_riscv32"]);
    // A missing --board-root is an error, a missing app boards/ is not.
    expect((await caught(loadCatalog({ boardRoots: [path.join(root, "nope")] }))).code).toBe("OCRE_BOARD_ROOT");
  });
});

describe("ocre boards (CLI)", () => {
  let appDir: string;
  beforeAll(async () => {
    appDir = await tempDir("ocre-boards-cli-");
  });

  it("lists the catalog as a table, default board marked", async () => {
    const run = await runOcre(["boards", "--cwd", appDir]);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+ZEPHYR BOARD\s+ARCH\s+RAM\s+FLASH\s+WAMR\s+STATUS\s+SHOWN BY$/);
    expect(lines).toHaveLength(REQUIRED_TARGETS.length + 1);
    expect(run.stdout).toMatch(/^mps2-an521 \(default\)\s+mps2\/an521\/cpu0\s+cortex-m33/m);
  });

  it("--json prints one document; --arch filters; --zephyr shows that version's names", async () => {
    const run = await runOcre(["boards", "--json", "--arch", "riscv", "--zephyr", "4.4", "--cwd", appDir]);
    expect(run.exitCode).toBe(0);
    const doc = JSON.parse(run.stdout) as { zephyr: string; boards: { id: string; zephyrBoard: string }[] };
    expect(doc.zephyr).toBe("v4.4.0");
    expect(doc.boards.map((b) => b.id)).toEqual(["esp32c3_devkitm", "qemu_riscv32"]);
    const xtensa = JSON.parse(
      (await runOcre(["boards", "--json", "--arch", "xtensa", "--zephyr", "4.4", "--cwd", appDir])).stdout,
    ) as typeof doc;
    expect(xtensa.boards.map((b) => b.zephyrBoard)).toEqual(["esp32_devkitc/esp32/procpu"]);
    const bad = await runOcre(["boards", "--arch", "sparc", "--cwd", appDir]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("known archs: cortex-m33");
  });

  it("show prints a board; an unknown id suggests the closest ones and exits 1", async () => {
    const show = await runOcre(["boards", "show", "qemu_riscv32", "--cwd", appDir]);
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toContain("RISCV32_ILP32");
    expect(show.stdout).toContain("qemu-system-riscv32 -machine virt");
    const unknown = await runOcre(["boards", "show", "nucleo_h743", "--cwd", appDir]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('error OCRE_BOARD_UNKNOWN: no board "nucleo_h743"; did you mean nucleo_h743zi?');
  });

  it("add scaffolds a board file in the app that then loads like any other", async () => {
    const add = await runOcre(["boards", "add", "my-board", "--from", "nrf52840dk", "--cwd", appDir]);
    expect(add.exitCode).toBe(0);
    const file = path.join(appDir, "boards", "my-board.yaml");
    const text = await readFile(file, "utf8");
    expect(text).toMatch(/^# Board my-board, scaffolded from nrf52840dk/);
    expect(text).toContain("status: generate-only");
    const list = JSON.parse((await runOcre(["boards", "--json", "--cwd", appDir])).stdout) as {
      boards: { id: string; source: string }[];
    };
    expect(list.boards.find((b) => b.id === "my-board")?.source).toBe("app");

    const again = await runOcre(["boards", "add", "my-board", "--from", "nrf52840dk", "--cwd", appDir]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("already exists");
    const badId = await runOcre(["boards", "add", "My Board", "--from", "nrf52840dk", "--cwd", appDir]);
    expect(badId.exitCode).toBe(1);
    expect(badId.stderr).toContain("not a valid board id");
    const badBase = await runOcre(["boards", "add", "x", "--from", "nrf5284", "--cwd", appDir]);
    expect(badBase.stderr).toContain("did you mean nrf52840dk");
  });
});
