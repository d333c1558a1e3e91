import { describe, expect, it, beforeAll } from "vitest";
import { createHash, createPublicKey } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { fixtureConfig, fixtureSpec, fixtureWasm } from "./oci-fixture.mjs";
import { cliPath, repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";
import { packageImage, readLayoutEntries } from "../cli/oci/index.js";
import { loadPublicKey, verifySignatures } from "../cli/sign/index.js";
import { signatureImage, simpleSigningPayload } from "../cli/sign/cosign.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";
import type { Digest } from "../cli/oci/digest.js";

const vectors = path.join(repoRoot, "test", "fixtures", "cosign");
const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");

/** An app directory whose build/oci holds a packaged fixture image (no compiler needed). */
async function appWithImage(seed = 0): Promise<{ app: string; digest: string }> {
  const spec = (await fixtureSpec({ seed })) as ContainerSpec;
  const app = await tempDir("ocre-sign-app-");
  const report = await packageImage(spec, fixtureConfig(spec, app) as ResolvedConfig, {
    sourceDateEpoch: "1700000000",
  });
  return { app, digest: report.digest };
}

describe.skipIf(missingTools("openssl"))("ocre keys", () => {
  it("generate writes a P-256 key pair; the private key is 0600 even under umask 000, and never overwritten", async () => {
    const dir = await tempDir("ocre-keys-");
    const run = await execa("sh", ["-c", `umask 000 && exec "${process.execPath}" "${cliPath}" keys generate -o dev`], {
      cwd: dir,
      reject: false,
      env: { NO_COLOR: "1" },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect((await stat(path.join(dir, "dev.key"))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, "dev.pub"))).mode & 0o777).toBe(0o644);
    // openssl reads both and agrees they are one P-256 pair.
    const fromPrivate = await execa("openssl", ["pkey", "-in", "dev.key", "-pubout"], { cwd: dir });
    expect(fromPrivate.stdout.trim()).toBe((await readFile(path.join(dir, "dev.pub"), "utf8")).trim());
    const text = await execa("openssl", ["pkey", "-in", "dev.key", "-noout", "-text"], { cwd: dir });
    expect(text.stdout).toMatch(/prime256v1|P-256/);
    // The fingerprint is the sha256 of the DER public key, as openssl computes it.
    const der = await execa("openssl", ["pkey", "-pubin", "-in", "dev.pub", "-outform", "DER"], {
      cwd: dir,
      encoding: "buffer",
    });
    expect(run.stdout.trim()).toBe(`sha256:${sha256(der.stdout)}`);
    const show = await runOcre(["keys", "show", "dev.key"], { cwd: dir });
    expect(show.stdout).toContain(`fingerprint: sha256:${sha256(der.stdout)}`);
    expect(show.stdout).toContain("-----BEGIN PUBLIC KEY-----");

    const before = await readFile(path.join(dir, "dev.key"));
    const again = await runOcre(["keys", "generate", "-o", "dev"], { cwd: dir });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("OCRE_KEY_EXISTS");
    expect(Buffer.compare(before, await readFile(path.join(dir, "dev.key")))).toBe(0);
  });

  it("an encrypted key needs its passphrase (stdin or OCRE_KEY_PASSPHRASE); openssl decrypts it too", async () => {
    const dir = await tempDir("ocre-keys-enc-");
    const made = await runOcre(["keys", "generate", "-o", "enc", "--passphrase-stdin"], {
      cwd: dir,
      input: "s3cret\n",
    });
    expect(made.exitCode, made.stderr).toBe(0);
    expect(await readFile(path.join(dir, "enc.key"), "utf8")).toContain("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    const decrypted = await execa("openssl", ["pkey", "-in", "enc.key", "-passin", "pass:s3cret", "-pubout"], {
      cwd: dir,
    });
    expect(decrypted.stdout.trim()).toBe((await readFile(path.join(dir, "enc.pub"), "utf8")).trim());

    const { app } = await appWithImage();
    const key = path.join(dir, "enc.key");
    const none = await runOcre(["sign", "--key", key], { cwd: app });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("OCRE_KEY_PASSPHRASE");
    const wrong = await runOcre(["sign", "--key", key], { cwd: app, env: { OCRE_KEY_PASSPHRASE: "nope" } });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toMatch(/OCRE_KEY_PASSPHRASE.*wrong passphrase/);
    const right = await runOcre(["sign", "--key", key], { cwd: app, env: { OCRE_KEY_PASSPHRASE: "s3cret" } });
    expect(right.exitCode, right.stderr).toBe(0);
  });
});

describe.skipIf(missingTools("openssl"))("cosign interoperability", () => {
  it("our payload bytes are cosign's (TestObsoletePayload in sigstore/cosign)", () => {
    const bytes = simpleSigningPayload(
      "index.docker.io/namespace/image",
      "sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec",
    );
    expect(new TextDecoder().decode(bytes)).toBe(
      `{"critical":{"identity":{"docker-reference":"index.docker.io/namespace/image"},"image":{"docker-manifest-digest":"sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec"},"type":"cosign container image signature"},"optional":null}`,
    );
  });

  describe("a signature made by `cosign sign` (containers/image fixture)", () => {
    let manifest: Buffer;
    let payload: Buffer;
    let signature: string;
    beforeAll(async () => {
      manifest = await readFile(path.join(vectors, "containers-image-manifest.bytes"));
      payload = await readFile(path.join(vectors, "containers-image-payload.bytes"));
      signature = (await readFile(path.join(vectors, "containers-image-signature.b64"), "utf8")).trim();
    });
    const digestOf = (bytes: Uint8Array) => `sha256:${sha256(bytes)}` as Digest;
    const sigImage = (p: Uint8Array, s: string, subject: Uint8Array) =>
      signatureImage([{ payload: p, signature: s }], {
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        digest: digestOf(subject),
        size: subject.byteLength,
      });

    it("verifies with cosign's public key, and our payload for that image is byte-identical to cosign's", async () => {
      const key = await loadPublicKey(path.join(vectors, "containers-image-cosign.pub"));
      const digest = digestOf(manifest);
      expect(digest).toBe("sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00");
      const ok = verifySignatures(sigImage(payload, signature, manifest), digest, [key], "vector");
      expect(ok.dockerReference).toBe("192.168.64.2:5000/cosign-signed-single-sample");
      expect(Buffer.from(simpleSigningPayload(ok.dockerReference, digest)).equals(payload)).toBe(true);
    });

    it("refuses it for a manifest with one byte changed, with another key, or with a changed signature", async () => {
      const key = await loadPublicKey(path.join(vectors, "containers-image-cosign.pub"));
      const tampered = Buffer.from(manifest);
      tampered[tampered.length - 3] ^= 1;
      expect(() => verifySignatures(sigImage(payload, signature, tampered), digestOf(tampered), [key], "v")).toThrow(
        /another image/,
      );
      const other = await loadPublicKey(path.join(vectors, "cosign-hashedrekord.pub"));
      expect(() => verifySignatures(sigImage(payload, signature, manifest), digestOf(manifest), [other], "v")).toThrow(
        /none of the trusted keys/,
      );
      const der = Buffer.from(signature, "base64");
      der[der.length - 1] ^= 1;
      expect(() =>
        verifySignatures(sigImage(payload, der.toString("base64"), manifest), digestOf(manifest), [key], "v"),
      ).toThrow(/none of the trusted keys/);
    });
  });

  it("signatures ocre makes verify with `openssl dgst -sha256 -verify` over the payload blob", async () => {
    const { app, digest } = await appWithImage();
    expect((await runOcre(["keys", "generate", "-o", "k"], { cwd: app })).exitCode).toBe(0);
    const signed = await runOcre(["sign", "--key", "k.key", "--json"], { cwd: app });
    expect(signed.exitCode, signed.stderr).toBe(0);
    const result = JSON.parse(signed.stdout);
    expect(result.digest).toBe(digest);
    // Read the layout as cosign would: the .sig entry's manifest, its simple-signing layer and annotation.
    const layout = path.join(app, "build", "oci");
    const entries = await readLayoutEntries(layout);
    const sigEntry = entries.find((e) => e.ref === `sha256-${digest.slice(7)}.sig`);
    expect(sigEntry).toBeDefined();
    const sigManifest = JSON.parse(
      await readFile(path.join(layout, "blobs", "sha256", sigEntry!.descriptor.digest.slice(7)), "utf8"),
    );
    expect(sigManifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(sigManifest.subject.digest).toBe(digest);
    const [layer] = sigManifest.layers;
    expect(layer.mediaType).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
    const payloadFile = path.join(layout, "blobs", "sha256", layer.digest.slice(7));
    const payload = JSON.parse(await readFile(payloadFile, "utf8"));
    expect(payload.critical.image["docker-manifest-digest"]).toBe(digest);
    expect(payload.critical.type).toBe("cosign container image signature");
    await writeFile(
      path.join(app, "sig.der"),
      Buffer.from(layer.annotations["dev.cosignproject.cosign/signature"], "base64"),
    );
    const check = await execa(
      "openssl",
      ["dgst", "-sha256", "-verify", "k.pub", "-signature", "sig.der", payloadFile],
      {
        cwd: app,
        reject: false,
      },
    );
    expect(check.stdout.trim()).toBe("Verified OK");
    // The image listing does not show the signature as an image.
    const ls = await runOcre(["image", "ls", "--json"], { cwd: app });
    expect(JSON.parse(ls.stdout).images.map((i: { digest: string }) => i.digest)).toEqual([digest]);
  });
});

describe.skipIf(missingTools("openssl"))("ocre sign / verify on local images", () => {
  it("verifies a signed image, refuses a flipped layer byte, another key and an unsigned image", async () => {
    const { app, digest } = await appWithImage(1);
    await runOcre(["keys", "generate", "-o", "a"], { cwd: app });
    await runOcre(["keys", "generate", "-o", "b"], { cwd: app });
    const unsigned = await runOcre(["verify", "--key", "a.pub"], { cwd: app });
    expect(unsigned.exitCode).toBe(1);
    expect(unsigned.stderr).toContain("OCRE_SIGNATURE_MISSING");

    expect((await runOcre(["sign", "--key", "a.key"], { cwd: app })).exitCode).toBe(0);
    // Signing again with the same key adds nothing.
    const again = JSON.parse((await runOcre(["sign", "--key", "a.key", "--json"], { cwd: app })).stdout);
    expect(again.added).toBe(false);
    const ok = await runOcre(["verify", "--key", "a.pub"], { cwd: app });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe(digest);
    const either = await runOcre(["verify", "--key", "b.pub", "--key", "a.pub"], { cwd: app });
    expect(either.exitCode, either.stderr).toBe(0);
    const wrong = await runOcre(["verify", "--key", "b.pub"], { cwd: app });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain("OCRE_SIGNATURE_INVALID");

    const layout = path.join(app, "build", "oci");
    const manifest = JSON.parse(await readFile(path.join(layout, "blobs", "sha256", digest.slice(7)), "utf8"));
    const wasmFile = path.join(layout, "blobs", "sha256", manifest.layers[0].digest.slice(7));
    const wasm = await readFile(wasmFile);
    wasm[wasm.length - 1] ^= 1;
    await writeFile(wasmFile, wasm);
    const tampered = await runOcre(["verify", "--key", "a.pub"], { cwd: app });
    expect(tampered.exitCode).toBe(1);
    expect(tampered.stderr).toContain("OCRE_OCI_DIGEST_MISMATCH");
  });

  it("a public key file is refused for signing; a non-P-256 key is refused", async () => {
    const { app } = await appWithImage(2);
    await runOcre(["keys", "generate", "-o", "a"], { cwd: app });
    const pub = await runOcre(["sign", "--key", "a.pub"], { cwd: app });
    expect(pub.exitCode).toBe(1);
    expect(pub.stderr).toContain("is a public key");
    await execa("openssl", ["genpkey", "-algorithm", "ed25519", "-out", "ed.key"], { cwd: app });
    const ed = await runOcre(["sign", "--key", "ed.key"], { cwd: app });
    expect(ed.exitCode).toBe(1);
    expect(ed.stderr).toContain("OCRE_KEY_UNSUPPORTED");
    expect(createPublicKey(await readFile(path.join(app, "a.pub"))).asymmetricKeyType).toBe("ec");
  });
});

describe.skipIf(missingTools("openssl"))("ocre run --verify-key", () => {
  it("runs a signed image, refuses another key's and a bare .wasm file", async () => {
    const { app, digest } = await appWithImage(3);
    await runOcre(["keys", "generate", "-o", "a"], { cwd: app });
    await runOcre(["keys", "generate", "-o", "b"], { cwd: app });
    expect((await runOcre(["sign", "--key", "a.key"], { cwd: app })).exitCode).toBe(0);
    const ok = await runOcre(["run", "1.0.0", "--verify-key", "a.pub", "--virtual-time", "--verbose"], { cwd: app });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`${digest}, signed by sha256:`);
    const wrong = await runOcre(["run", "1.0.0", "--verify-key", "b.pub", "--virtual-time"], { cwd: app });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain("OCRE_SIGNATURE_INVALID");
    expect(wrong.stderr).not.toContain("container");
    await writeFile(path.join(app, "bare.wasm"), await fixtureWasm({ seed: 3 }));
    const bare = await runOcre(["run", "bare.wasm", "--verify-key", "a.pub"], { cwd: app });
    expect(bare.exitCode).toBe(1);
    expect(bare.stderr).toContain("carries no signature");
    // Without --verify-key the same file runs.
    expect((await runOcre(["run", "bare.wasm", "--virtual-time"], { cwd: app })).exitCode).toBe(0);
  });
});
