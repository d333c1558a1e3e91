import { beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { freePort } from "./registry-server.mjs";
import { cliPath, repoRoot, tempDir } from "./helpers/cli.js";
import { packageImage } from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

/**
 * The `ocre` command runs from its bundle (cli/bundle.mjs): a command loads a handful of
 * files, not one per module, and still nothing it does not use. Which files a run loads is logged
 * by Node.js module hooks (helpers/module-log.mjs).
 */
async function loadedFiles(args: string[], cwd: string) {
  const log = path.join(await tempDir("ocre-modules-"), "loaded.txt");
  const run = await execa(
    process.execPath,
    ["--import", path.join(repoRoot, "test/helpers/module-log-register.mjs"), cliPath, ...args],
    { cwd, reject: false, env: { OCRE_MODULE_LOG: log } },
  );
  const urls = (await readFile(log, "utf8").catch(() => "")).split("\n").filter((l) => l !== "");
  const files = [...new Set(urls)].map((u) => path.relative(repoRoot, new URL(u).pathname));
  return {
    run,
    ocre: files.filter((f) => f.startsWith("dist/")),
    npm: files.filter((f) => f.includes("node_modules")),
  };
}

describe("the bundled ocre command", () => {
  let app: string;
  beforeAll(async () => {
    const spec = (await fixtureSpec()) as ContainerSpec;
    app = await tempDir("ocre-bundle-app-");
    await packageImage(spec, fixtureConfig(spec, app) as ResolvedConfig, { sourceDateEpoch: "1700000000" });
  });

  it("is the package's bin", () => {
    expect(path.relative(repoRoot, cliPath)).toBe("dist/bin/ocre.js");
  });

  it("a push loads at most 7 of ocre's files and no npm package", async () => {
    // Nothing listens on the port: the push loads everything it needs, reads the image, then
    // fails to connect.
    const { run, ocre, npm } = await loadedFiles(["push", `127.0.0.1:${await freePort()}/bundle/app:1.0.0`], app);
    expect(run.stderr).toContain("error OCRE_REGISTRY_UNREACHABLE");
    expect(run.exitCode).toBe(1);
    expect(ocre).toContain("dist/bin/ocre.js");
    expect(
      ocre.every((f) => f.startsWith("dist/bin/")),
      ocre.join("\n"),
    ).toBe(true);
    expect(ocre.length, ocre.join("\n")).toBeLessThanOrEqual(7);
    expect(npm).toEqual([]);
  });

  it("--version reads at most 3 files, --help loads no npm package (not yargs)", async () => {
    const version = await loadedFiles(["--version"], app);
    expect(version.run.exitCode).toBe(0);
    expect(version.ocre).toContain("dist/bin/ocre.js");
    expect(version.ocre.length, version.ocre.join("\n")).toBeLessThanOrEqual(3);
    const help = await loadedFiles(["--help"], app);
    expect(help.run.exitCode).toBe(0);
    expect(help.run.stdout).toMatch(/push/);
    expect(help.npm).toEqual([]);
  });
});
