import { beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { runOcre, tempDir } from "./helpers/cli.js";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { packageStage, readLayoutEntries } from "../cli/oci/index.js";
import { makePlan } from "./generate-fixtures.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

// `ocre build` of a real template, end to end: the oci.package stage and --from-image.
describe("ocre build writes the app's OCI image", () => {
  let app: string;
  let report: { image: { digest: string; size: number; ref: string; tag: string; layout: string; created: string } };
  const env = { SOURCE_DATE_EPOCH: "1700000000" };

  beforeAll(async () => {
    const dir = await tempDir("ocre-oci-build-");
    app = path.join(dir, "blinky");
    const created = await runOcre(["new", app, "-t", "blinky"]);
    expect(created.exitCode, created.stderr).toBe(0);
    const built = await runOcre(["build"], { cwd: app, env });
    expect(built.exitCode, built.stderr).toBe(0);
    report = JSON.parse(await readFile(path.join(app, "build", "report.json"), "utf8"));
  });

  it("build/oci holds the built module as the image's layer, and report.json's image section names it", async () => {
    const layout = path.join(app, "build", report.image.layout);
    const [entry] = await readLayoutEntries(layout);
    expect(entry?.descriptor.digest).toBe(report.image.digest);
    expect(entry?.ref).toBe(report.image.tag);
    expect(report.image).toMatchObject({ ref: "blinky:0.1.0", tag: "0.1.0", created: "2023-11-14T22:13:20Z" });
    const manifest = JSON.parse(
      await readFile(path.join(layout, "blobs", "sha256", report.image.digest.slice(7)), "utf8"),
    );
    const layer = await readFile(path.join(layout, "blobs", "sha256", manifest.layers[0].digest.slice(7)));
    expect(Buffer.compare(layer, await readFile(path.join(app, "build", "blinky.wasm")))).toBe(0);
    expect(manifest.annotations["io.ocre.capabilities"]).toBe("timers,gpio");
    // What to pass a stock upstream runtime (-k) for the same grants: its only API capability.
    expect(manifest.annotations["io.ocre.capabilities.upstream"]).toBe("ocre:api");
    expect(manifest.annotations["io.ocre.features"]).toContain("gpio");
  });

  it("a forced rebuild gives the same digest", async () => {
    const again = await runOcre(["build", "--force", "--json"], { cwd: app, env });
    expect(again.exitCode, again.stderr).toBe(0);
    const rebuilt = JSON.parse(await readFile(path.join(app, "build", "report.json"), "utf8"));
    expect(rebuilt.image.digest).toBe(report.image.digest);
  });

  it("--from-image takes the container back out of the image without compiling", async () => {
    const run = await runOcre(["build", "--from-image", "0.1.0", "--json"], { cwd: app });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).fromImage).toMatchObject({
      digest: report.image.digest,
      name: "blinky",
      version: "0.1.0",
    });
    const missing = await runOcre(["build", "--from-image", "0.2.0"], { cwd: app });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("error OCRE_IMAGE_NOT_FOUND");
  });
  it("--from-image --board generates the board's west project from the image alone", async () => {
    const elsewhere = await tempDir("ocre-oci-from-image-");
    const run = await runOcre(
      ["build", "--from-image", `oci:${path.join(app, "build", "oci")}:0.1.0`, "--board", "qemu_riscv32", "--json"],
      { cwd: elsewhere },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).boards).toHaveProperty("qemu_riscv32");
    const embedded = await readFile(path.join(elsewhere, "build", "qemu_riscv32", "containers", "app0.wasm"));
    expect(Buffer.compare(embedded, await readFile(path.join(app, "build", "blinky.wasm")))).toBe(0);
  });
});

describe("packageStage", () => {
  it("records board ids, whatever form the boards were named in", async () => {
    const spec = (await fixtureSpec()) as ContainerSpec;
    const dir = await tempDir("ocre-oci-stage-");
    const config = fixtureConfig(spec, dir, { boards: [] }) as ResolvedConfig;
    const plan = await makePlan(config, { boards: ["nrf52840dk/nrf52840", "qemu_riscv32"] });
    const image = await packageStage([spec], plan.apps[0]!, plan);
    const manifest = JSON.parse(
      await readFile(path.join(dir, "build", "oci", "blobs", "sha256", image.digest.slice(7)), "utf8"),
    );
    expect(manifest.annotations["io.ocre.boards"]).toBe("nrf52840dk,qemu_riscv32");
    // The plan resolves board names once, with every board root; a typo fails there.
    await expect(makePlan(config, { boards: ["nrf52840"] })).rejects.toMatchObject({
      code: "OCRE_BOARD_UNKNOWN",
    });
  });
});
