import { describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { runOcre, tempDir } from "./helpers/cli.js";

describe("ocre flash", () => {
  it("without west, says how to get it and how to flash the image another way", async () => {
    const app = await tempDir("ocre-flash-");
    const fw = path.join(app, "build", "nrf52840dk", "firmware");
    await mkdir(fw, { recursive: true });
    await writeFile(path.join(fw, "zephyr.elf"), "not really an image");
    const bin = await tempDir("ocre-flash-bin-");
    const run = await runOcre(["flash", "--board", "nrf52840dk", "--runner", "jlink"], {
      cwd: app,
      env: { PATH: bin },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/error OCRE_WEST_MISSING: `ocre flash` runs `west flash`, and west is not installed/);
    expect(run.stderr).toContain(`images: ${path.join(fw, "zephyr.{hex,bin,elf}")}`);
    expect(run.stderr).toMatch(/hint: west is on PyPI only: `pipx install west`.*nrfjprog --program zephyr\.hex/);
  });

  it("offers the emulator for an emulated board", async () => {
    const app = await tempDir("ocre-flash-");
    const fw = path.join(app, "build", "mps2-an521", "firmware");
    await mkdir(fw, { recursive: true });
    await writeFile(path.join(fw, "zephyr.elf"), "x");
    const run = await runOcre(["flash", "--board", "mps2/an521/cpu0"], { cwd: app, env: { PATH: await tempDir() } });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/or run it in QEMU: ocre emulate --board mps2-an521/);
  });

  it("asks for a build first when there is no firmware", async () => {
    const app = await tempDir("ocre-flash-");
    const run = await runOcre(["flash", "--board", "nrf52840dk", "--json"], { cwd: app });
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout) as { ok: boolean; error: { code: string; hint: string } };
    expect(result.error.code).toBe("OCRE_FIRMWARE_MISSING");
    expect(result.error.hint).toBe("build it first: ocre build --firmware --board nrf52840dk/nrf52840");
  });
});
