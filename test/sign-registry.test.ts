import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { startRegistry } from "./registry-server.mjs";
import { missingTools } from "./helpers/tools.js";
import { runOcre, tempDir } from "./helpers/cli.js";
import {
  fetchImage,
  packageImage,
  parseReference,
  pushImage,
  readLayoutEntries,
  type ImageContent,
} from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";
import type { Digest } from "../cli/oci/digest.js";

type Registry = Awaited<ReturnType<typeof startRegistry>>;

const digestOf = (bytes: Uint8Array): Digest => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const sigTag = (digest: string) => `sha256-${digest.slice(7)}.sig`;

/** A copy of `content` whose manifest JSON is changed by `edit` (blobs added by the caller). */
function withManifest(
  content: ImageContent,
  edit: (m: Record<string, unknown>) => void,
  blobs = content.blobs,
): ImageContent {
  const json = JSON.parse(new TextDecoder().decode(content.manifestBytes)) as Record<string, unknown>;
  edit(json);
  const manifestBytes = new TextEncoder().encode(JSON.stringify(json));
  return { manifest: json as never, manifestBytes, manifestDigest: digestOf(manifestBytes), blobs };
}

describe.skipIf(missingTools("docker-registry", "openssl"))("signatures through a real registry (loopback)", () => {
  let registry: Registry;
  let app: string;
  let unsignedApp: string;
  let signedDigest: string;
  const storeEnv = async () => ({ XDG_DATA_HOME: await tempDir("ocre-sign-store-") });

  beforeAll(async () => {
    registry = await startRegistry();
    app = await tempDir("ocre-sign-reg-app-");
    unsignedApp = await tempDir("ocre-sign-reg-unsigned-");
    for (const [dir, seed] of [
      [app, 0],
      [unsignedApp, 1],
    ] as const) {
      const spec = (await fixtureSpec({ seed })) as ContainerSpec;
      const report = await packageImage(spec, fixtureConfig(spec, dir) as ResolvedConfig, {
        sourceDateEpoch: "1700000000",
      });
      if (dir === app) signedDigest = report.digest;
    }
    for (const name of ["good", "other"])
      expect((await runOcre(["keys", "generate", "-o", name], { cwd: app })).exitCode).toBe(0);
    expect((await runOcre(["sign", "--key", "good.key"], { cwd: app })).exitCode).toBe(0);
    const pushed = await runOcre(["push", `${registry.host}/iot/signed:1.0.0`, "--json"], { cwd: app });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const result = JSON.parse(pushed.stdout);
    expect(result.digest).toBe(signedDigest);
    expect(result.signature.ref).toBe(`${registry.host}/iot/signed:${sigTag(signedDigest)}`);
    // distribution 2.8 has no referrers API: the tag is how the signature is found.
    expect(result.signature.referrers).toBe(false);
    expect((await runOcre(["push", `${registry.host}/iot/unsigned:1.0.0`], { cwd: unsignedApp })).exitCode).toBe(0);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("the registry holds cosign's tag; pull --verify-key brings image and signature into the store", async () => {
    const tags = await fetch(`http://${registry.host}/v2/iot/signed/tags/list`).then((r) => r.json());
    expect(tags.tags.sort()).toEqual(["1.0.0", sigTag(signedDigest)].sort());
    const env = await storeEnv();
    const ref = `${registry.host}/iot/signed:1.0.0`;
    const pulled = await runOcre(["pull", ref, "--verify-key", path.join(app, "good.pub"), "--json"], {
      cwd: app,
      env,
    });
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout).verifiedBy).toMatch(/^sha256:[0-9a-f]{64}$/);
    const entries = await readLayoutEntries(path.join(env.XDG_DATA_HOME, "ocre", "oci"));
    expect(entries.map((e) => e.ref).sort()).toEqual(
      [ref, `${registry.host}/iot/signed:${sigTag(signedDigest)}`].sort(),
    );
    // The pulled copy verifies offline, from the store.
    const local = await runOcre(["verify", ref, "--key", path.join(app, "good.pub")], { cwd: app, env });
    expect(local.exitCode, local.stderr).toBe(0);
    const remote = await runOcre(["verify", ref, "--remote", "--key", path.join(app, "good.pub")], { cwd: app });
    expect(remote.exitCode, remote.stderr).toBe(0);
    expect(remote.stdout.trim()).toBe(signedDigest);
  });

  async function refusedPull(ref: string, code: string): Promise<string> {
    const env = await storeEnv();
    const run = await runOcre(["pull", ref, "--verify-key", path.join(app, "good.pub")], { cwd: app, env });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(code);
    // Nothing written: no store at all.
    expect(await readdir(env.XDG_DATA_HOME)).toEqual([]);
    return run.stderr;
  }

  it("refuses a wrong key and an unsigned image, writing nothing", async () => {
    const env = await storeEnv();
    const wrong = await runOcre(
      ["pull", `${registry.host}/iot/signed:1.0.0`, "--verify-key", path.join(app, "other.pub")],
      { cwd: app, env },
    );
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain("OCRE_SIGNATURE_INVALID");
    expect(await readdir(env.XDG_DATA_HOME)).toEqual([]);
    await refusedPull(`${registry.host}/iot/unsigned:1.0.0`, "OCRE_SIGNATURE_MISSING");
    // Without --verify-key an unsigned image pulls as before.
    const plain = await runOcre(["pull", `${registry.host}/iot/unsigned:1.0.0`], { cwd: app, env: await storeEnv() });
    expect(plain.exitCode, plain.stderr).toBe(0);
  });

  it("refuses a tampered manifest, a tampered layer and a tampered signature", async () => {
    const signed = parseReference(`${registry.host}/iot/signed:1.0.0`);
    const image = await fetchImage(signed);
    const signature = await fetchImage({ ...signed, tag: sigTag(signedDigest) });

    // Manifest: one annotation changed; the original signature copied to the new digest's tag.
    const manifest = withManifest(image, (m) => {
      m.annotations = { ...(m.annotations as object), "org.opencontainers.image.version": "6.6.6" };
    });
    const manifestRef = parseReference(`${registry.host}/iot/tampered-manifest:1.0.0`);
    await pushImage(manifest, manifestRef);
    await pushImage(signature, { ...manifestRef, tag: sigTag(manifest.manifestDigest) });
    expect(await refusedPull(`${registry.host}/iot/tampered-manifest:1.0.0`, "OCRE_SIGNATURE_INVALID")).toContain(
      "another image",
    );

    // Layer: one Wasm byte flipped (a consistent manifest for it), the old signature alongside.
    const layer = image.manifest.layers[0]!;
    const wasm = Uint8Array.from(image.blobs.get(layer.digest)!);
    wasm[wasm.length - 1] ^= 1;
    const flipped = digestOf(wasm);
    const blobs = new Map(image.blobs);
    blobs.delete(layer.digest);
    blobs.set(flipped, wasm);
    const layered = withManifest(
      image,
      (m) => {
        (m.layers as { digest: string }[])[0]!.digest = flipped;
      },
      blobs,
    );
    const layerRef = parseReference(`${registry.host}/iot/tampered-layer:1.0.0`);
    await pushImage(layered, layerRef);
    await pushImage(signature, { ...layerRef, tag: sigTag(layered.manifestDigest) });
    await refusedPull(`${registry.host}/iot/tampered-layer:1.0.0`, "OCRE_SIGNATURE_INVALID");

    // Signature: the base64 DER changed in the annotation (a new signature manifest under the tag).
    const sigRef = parseReference(`${registry.host}/iot/tampered-signature:1.0.0`);
    await pushImage(image, sigRef);
    const badSig = withManifest(signature, (m) => {
      const l = (m.layers as { annotations: Record<string, string> }[])[0]!;
      const der = Buffer.from(l.annotations["dev.cosignproject.cosign/signature"]!, "base64");
      der[der.length - 1] ^= 1;
      l.annotations["dev.cosignproject.cosign/signature"] = der.toString("base64");
    });
    await pushImage(badSig, { ...sigRef, tag: sigTag(signedDigest) });
    expect(await refusedPull(`${registry.host}/iot/tampered-signature:1.0.0`, "OCRE_SIGNATURE_INVALID")).toContain(
      "none of the trusted keys",
    );
  });
});
