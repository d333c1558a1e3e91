import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runOcre, tempDir } from "./helpers/cli.js";

/** `ocre build --board` end to end: a scaffolded app, the real pipeline, the generated projects. */
describe("ocre build --board (CLI)", () => {
  let appDir: string;
  let second: string;

  beforeAll(async () => {
    const root = await tempDir("ocre-gen-cli-");
    appDir = path.join(root, "hello");
    second = path.join(root, "blinky");
    expect((await runOcre(["new", appDir, "--template", "hello"])).exitCode).toBe(0);
    expect((await runOcre(["new", second, "--template", "blinky"])).exitCode).toBe(0);
  });

  it("generates one project per board, both apps embedded in order, and reports it", async () => {
    const run = await runOcre(["build", appDir, second, "--board", "qemu_riscv32", "--board", "mps2-an521", "--json"]);
    expect(run.stderr).toContain("generated");
    expect(run.exitCode).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      boards: Record<string, { containers: string[]; dir: string; zephyrBoard: string }>;
    };
    expect(Object.keys(doc.boards)).toEqual(["qemu_riscv32", "mps2-an521"]);
    expect(doc.boards["mps2-an521"]!.containers).toEqual(["hello", "blinky"]);
    // The first app's build folder holds the projects.
    // Relative to the build folder: report.json holds no absolute path.
    expect(doc.boards["mps2-an521"]!.dir).toBe("mps2-an521");
    const report = JSON.parse(await readFile(path.join(appDir, "build", "report.json"), "utf8")) as {
      boards: Record<string, { budget: { fits: boolean } }>;
    };
    expect(report.boards["qemu_riscv32"]!.budget.fits).toBe(true);
    const main = await readFile(path.join(appDir, "build/mps2-an521/src/main.c"), "utf8");
    expect(main.indexOf('.name = "hello"')).toBeLessThan(main.indexOf('.name = "blinky"'));
    // blinky imports GPIO, hello only core: the union is compiled in, nothing else.
    const prj = await readFile(path.join(appDir, "build/mps2-an521/prj.conf"), "utf8");
    expect(prj).toMatch(/^CONFIG_OCRE_GPIO=y$/m);
    expect(prj).toMatch(/^CONFIG_OCRE_GPIO_EVENTS=n$/m); // blinky only drives led0
    expect(prj).toMatch(/^CONFIG_OCRE_MESSAGING=n$/m);
    expect(await stat(path.join(appDir, "build/mps2-an521/containers/app1.wasm")).then((s) => s.size)).toBeGreaterThan(
      8,
    );
  });

  it("an unknown board or Zephyr version fails before anything is compiled, exit 1", async () => {
    const fresh = path.join(path.dirname(appDir), "fresh");
    expect((await runOcre(["new", fresh, "--template", "hello"])).exitCode).toBe(0);
    const run = await runOcre(["build", fresh, "--board", "nrf52840"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('error OCRE_BOARD_UNKNOWN: no board "nrf52840"; did you mean nrf52840dk?');
    const version = await runOcre(["build", fresh, "--board", "mps2-an521", "--zephyr", "4.0"]);
    expect(version.exitCode).toBe(1);
    expect(version.stderr).toContain("OCRE_ZEPHYR_VERSION");
    await expect(stat(path.join(fresh, "build"))).rejects.toThrow();
  });
});
