import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { runOcre, tempDir } from "./helpers/cli.js";
import { parseManifest } from "../cli/config/manifest.js";
import { exportArchive, renderImage } from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import { fixtureSpec } from "./oci-fixture.mjs";
import { OcreError } from "../cli/errors.js";

const HEAD = "name: limits\nversion: 1.0.0\n";

async function failure(text: string): Promise<OcreError> {
  try {
    await parseManifest(text, "ocre.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(OcreError);
    return error as OcreError;
  }
  throw new Error("expected an error");
}

describe("ocre.yaml limits", () => {
  it("refuses a manifest over 256 KiB before parsing it, from the CLI with exit 1", async () => {
    const app = await tempDir("ocre-limits-");
    await writeFile(path.join(app, "ocre.yaml"), `${HEAD}# ${"x".repeat(300 * 1024)}\n`);
    const started = performance.now();
    const result = await runOcre(["build"], { cwd: app });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `error OCRE_MANIFEST_TOO_LARGE: ${path.join(app, "ocre.yaml")} is 307231 bytes, over the 262144-byte limit`,
    );
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("refuses an alias bomb with exit 1, not OCRE_INTERNAL", async () => {
    // a is 9 strings, b is 9 a's, ... i is 9^9 (387 million) strings once expanded.
    const lines = [`a: &a [${Array(9).fill('"lol"').join(", ")}]`];
    for (const [prev, name] of ["ab", "bc", "cd", "de", "ef", "fg", "gh", "hi"]) {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const app = await tempDir("ocre-limits-");
    await writeFile(path.join(app, "ocre.yaml"), `${HEAD}${lines.join("\n")}\n`);
    const started = performance.now();
    const result = await runOcre(["build"], { cwd: app });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain("error OCRE_MANIFEST_INVALID");
    expect(result.stderr).toContain("alias");
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("refuses more than 10000 keys and items (env included) with a clear error", async () => {
    const env = Array.from({ length: 12_000 }, (_, i) => `  K${i}: v`).join("\n");
    const error = await failure(`${HEAD}env:\n${env}\n`);
    expect(error.code).toBe("OCRE_MANIFEST_TOO_LARGE");
    expect(error.message).toBe("ocre.yaml has more than 10000 keys and items");
  });

  it("parses in linear time: 9000 env keys take about as long per key as 900", async () => {
    const time = async (n: number) => {
      const text = `${HEAD}env:\n${Array.from({ length: n }, (_, i) => `  K${i}: v`).join("\n")}\n`;
      await parseManifest(`${HEAD}`, "warm.yaml");
      const started = performance.now();
      const manifest = await parseManifest(text, "ocre.yaml");
      expect(Object.keys(manifest.env)).toHaveLength(n);
      return performance.now() - started;
    };
    const small = await time(900);
    const large = await time(9000);
    // Quadratic would be 100x; linear 10x. Allow noise on a shared machine.
    expect(large).toBeLessThan(Math.max(small, 5) * 40);
  });

  it("still refuses duplicate keys, with their line", async () => {
    const error = await failure(`${HEAD}env:\n  A: "1"\n  B: "2"\n  A: "3"\n`);
    expect(error.code).toBe("OCRE_MANIFEST_SYNTAX");
    expect(error.message).toBe('ocre.yaml:6:3: Map keys must be unique ("A" appears twice)');
  });
});

describe("permission and disk errors are user errors naming the path", () => {
  // /sys refuses new entries even to root, which is what a read-only folder does to a user.
  it("`ocre new` into a folder that cannot be written exits 1 naming it", async () => {
    const result = await runOcre(["new", "/sys/ocre-new-app"]);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /error OCRE_FILE_ACCESS: cannot access \/sys\/ocre-new-app: (operation not permitted|permission denied|read-only file system)/,
    );
    expect(result.stderr).not.toContain("please report it");
  });

  it("`ocre image import --layout` into a folder that cannot be written exits 1 naming it", async () => {
    const dir = await tempDir("ocre-limits-");
    const archive = path.join(dir, "a.tar");
    const content = renderImage((await fixtureSpec()) as ContainerSpec, { boards: [], sdkVersion: "0.0.0" });
    await exportArchive(content, "1.0.0", archive);
    const result = await runOcre(["image", "import", archive, "--layout", "/sys/ocre-store"]);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/error OCRE_FILE_ACCESS: cannot create \/sys\/ocre-store: /);
  });
});
