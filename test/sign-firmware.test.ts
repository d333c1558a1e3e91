import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { runOcre, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";
import { packageImage } from "../cli/oci/index.js";
import { generateProjects } from "../cli/generate/index.js";
import { planFor } from "../cli/config/plan.js";
import { loadPrivateKey, signLocalImage } from "../cli/sign/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Two packaged apps in one directory tree; the first signed with a.key. */
async function setup() {
  const root = await tempDir("ocre-sign-fw-");
  const specs: ContainerSpec[] = [];
  const configs: ResolvedConfig[] = [];
  for (const [name, seed] of [
    ["signed", 0],
    ["unsigned", 1],
  ] as const) {
    const spec = (await fixtureSpec({ name, seed })) as ContainerSpec;
    const config = fixtureConfig(spec, path.join(root, name), { boards: ["mps2-an521"] }) as ResolvedConfig;
    await packageImage(spec, config, { sourceDateEpoch: "1700000000" });
    specs.push(spec);
    configs.push(config);
  }
  for (const k of ["a", "b"]) expect((await runOcre(["keys", "generate", "-o", k], { cwd: root })).exitCode).toBe(0);
  const signed = await signLocalImage(undefined, await loadPrivateKey(path.join(root, "a.key")), {
    cwd: configs[0]!.appDir,
  });
  return { root, specs, configs, digest: signed.digest };
}

describe.skipIf(missingTools("openssl"))("generate --trust: the firmware's root of trust", () => {
  it("embeds the trusted key points and each container's signed manifest, payload and signature", async () => {
    const { root, specs, configs, digest } = await setup();
    const warnings: string[] = [];
    const plan = await planFor(configs, root, {
      boards: ["mps2-an521"],
      trust: [path.join(root, "a.pub"), path.join(root, "b.pub")],
    });
    const report = await generateProjects(specs, configs[0]!, plan, {
      info: () => undefined,
      debug: () => undefined,
      warn: (w) => warnings.push(w),
    });
    const dir = path.join(plan.outDir, report!["mps2-an521"]!.dir);
    expect(warnings).toEqual([
      "unsigned: no signature found for its image; the device will refuse it (sign it: ocre build --sign <key>)",
    ]);
    const project = JSON.parse(await readFile(path.join(dir, "ocre-project.json"), "utf8"));
    expect(project.containers.map((c: { signature: unknown }) => c.signature)).toEqual([
      { manifestDigest: digest, keyFingerprint: expect.stringMatching(/^sha256:/) },
      null,
    ]);
    // The embedded manifest is the signed image's manifest, byte for byte.
    const manifest = await readFile(path.join(dir, "containers", "app0.manifest.json"));
    expect(`sha256:${sha256(manifest)}`).toBe(digest);
    expect(JSON.parse(manifest.toString()).layers[0].digest).toBe(`sha256:${specs[0]!.sha256}`);
    const payload = JSON.parse(await readFile(path.join(dir, "containers", "app0.payload.json"), "utf8"));
    expect(payload.critical.image["docker-manifest-digest"]).toBe(digest);
    const check = await execa(
      "openssl",
      ["dgst", "-sha256", "-verify", path.join(root, "a.pub"), "-signature", "app0.sig.der", "app0.payload.json"],
      { cwd: path.join(dir, "containers"), reject: false },
    );
    expect(check.stdout.trim()).toBe("Verified OK");

    // Both keys, as openssl prints their points, in main.c; the unsigned container has no signature.
    const main = await readFile(path.join(dir, "src", "main.c"), "utf8");
    for (const k of ["a", "b"]) {
      const der = (
        await execa("openssl", ["pkey", "-pubin", "-in", `${k}.pub`, "-outform", "DER"], {
          cwd: root,
          encoding: "buffer",
        })
      ).stdout;
      const point = Array.from(der.subarray(-65), (b) => `0x${b.toString(16).padStart(2, "0")}`);
      expect(main.replace(/\s+/g, " ")).toContain(point.join(", "));
    }
    expect(main).toContain("rc = ocre_trust_keys(ocre_trusted_keys, 2);");
    expect(main).toContain(".signature = &app0_signature,");
    expect(main).toContain(".signature = NULL,");
    expect(main).toContain("if (rc == OCRE_ADD_REFUSED)");
    const prj = await readFile(path.join(dir, "prj.conf"), "utf8");
    expect(prj).toContain("CONFIG_OCRE_VERIFY=y");
    expect(await readFile(path.join(dir, "west.yml"), "utf8")).toMatch(/- mbedtls/);
    const cmake = await readFile(path.join(dir, "CMakeLists.txt"), "utf8");
    expect(cmake).toContain("containers/app0.sig.der");
    expect(cmake).not.toContain("containers/app1.sig.der");
  });

  it("without --trust, nothing about signatures is generated", async () => {
    const { root, specs, configs } = await setup();
    const plan = await planFor(configs, root, { boards: ["mps2-an521"] });
    const report = await generateProjects(specs, configs[0]!, plan);
    const dir = path.join(plan.outDir, report!["mps2-an521"]!.dir);
    expect(await readFile(path.join(dir, "prj.conf"), "utf8")).not.toContain("OCRE_VERIFY");
    const main = await readFile(path.join(dir, "src", "main.c"), "utf8");
    expect(main).not.toContain("ocre_signature");
    expect(main).not.toContain(".signature =");
    expect(main).not.toContain("ocre_trust_keys");
  });

  it("a key that is not P-256 is refused before anything is written", async () => {
    const { root, specs, configs } = await setup();
    await execa("openssl", ["genpkey", "-algorithm", "ed25519", "-out", "ed.key"], { cwd: root });
    await execa("openssl", ["pkey", "-in", "ed.key", "-pubout", "-out", "ed.pub"], { cwd: root });
    const plan = await planFor(configs, root, { boards: ["mps2-an521"], trust: [path.join(root, "ed.pub")] });
    await expect(generateProjects(specs, configs[0]!, plan)).rejects.toThrow(/ECDSA P-256 only/);
  });
});
