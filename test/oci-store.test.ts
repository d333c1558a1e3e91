import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdir, readFile, readdir, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { fixtureSpec } from "./oci-fixture.mjs";
import { cliPath, runOcre, tempDir } from "./helpers/cli.js";
import { jsonBytes, sha256Hex, tarBytes } from "./helpers/tar-builder.js";
import { exportArchive, renderImage, writeLayout, type ImageContent } from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";

const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const INDEX = "application/vnd.oci.image.index.v1+json";
const REF = "org.opencontainers.image.ref.name";

async function image(name: string, version: string, seed = 0): Promise<ImageContent> {
  return renderImage((await fixtureSpec({ name, version, seed })) as ContainerSpec, {
    boards: [],
    sdkVersion: "0.0.0",
  });
}

async function readIndex(layout: string): Promise<{ manifests: Record<string, unknown>[] }> {
  return JSON.parse(await readFile(path.join(layout, "index.json"), "utf8")) as {
    manifests: Record<string, unknown>[];
  };
}

async function writeIndex(layout: string, manifests: unknown[]): Promise<void> {
  await writeFile(path.join(layout, "index.json"), jsonBytes({ schemaVersion: 2, mediaType: INDEX, manifests }));
}

async function putBlob(layout: string, bytes: Buffer): Promise<string> {
  const hex = sha256Hex(bytes);
  await writeFile(path.join(layout, "blobs", "sha256", hex), bytes);
  return `sha256:${hex}`;
}

describe("the store keeps images by full reference", () => {
  let dir: string;
  let store: string;
  let hello: ImageContent;
  let blinky: ImageContent;
  beforeAll(async () => {
    dir = await tempDir("ocre-store-");
    store = path.join(dir, "store");
    hello = await image("hello", "0.1.0", 1);
    blinky = await image("blinky", "0.1.0", 2);
    // Both archives name their image by the tag alone, as `ocre image export` and skopeo write them.
    await exportArchive(hello, "0.1.0", path.join(dir, "hello.tar"));
    await exportArchive(blinky, "0.1.0", path.join(dir, "blinky.tar"));
  });

  it("hello:0.1.0 then blinky:0.1.0: both stay, each under its own name", async () => {
    for (const name of ["hello", "blinky"]) {
      const result = await runOcre(["image", "import", path.join(dir, `${name}.tar`)], {
        env: { OCRE_IMAGE_STORE: store },
        cwd: dir,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toContain(`imported ${name}:0.1.0 into`);
    }
    const listed = JSON.parse(
      (await runOcre(["image", "ls", "--json"], { env: { OCRE_IMAGE_STORE: store }, cwd: dir })).stdout,
    );
    expect(listed.images.map((i: { ref: string; digest: string }) => [i.ref, i.digest])).toEqual([
      ["hello:0.1.0", hello.manifestDigest],
      ["blinky:0.1.0", blinky.manifestDigest],
    ]);
  });

  it("`ocre run hello:0.1.0` runs hello, not blinky", async () => {
    const result = await runOcre(["run", "hello:0.1.0", "--virtual-time", "--duration", "1s", "--verbose"], {
      env: { OCRE_IMAGE_STORE: store },
      cwd: dir,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(hello.manifestDigest);
    expect(result.stderr).not.toContain(blinky.manifestDigest);
  });
});

describe("layouts with index entries, wrong sizes and huge blobs", () => {
  let layout: string;
  let a: ImageContent;
  let b: ImageContent;
  beforeAll(async () => {
    layout = path.join(await tempDir("ocre-store-index-"), "oci");
    a = await image("alpha", "1.0.0", 3);
    b = await image("beta", "1.0.0", 4);
    await writeLayout(layout, [
      { content: a, ref: "alpha:1.0.0" },
      { content: b, ref: "beta-child" },
    ]);
    const [entryA, entryB] = (await readIndex(layout)).manifests;
    // beta is reached through an image index (as skopeo and buildx write multi-platform images).
    const betaIndex = jsonBytes({
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: [
        {
          mediaType: MANIFEST,
          digest: b.manifestDigest,
          size: b.manifestBytes.byteLength,
          platform: { architecture: "wasm", os: "wasip1" },
        },
        {
          mediaType: MANIFEST,
          digest: `sha256:${"0".repeat(64)}`,
          size: 10,
          platform: { architecture: "amd64", os: "linux" },
        },
      ],
    });
    const betaIndexDigest = await putBlob(layout, betaIndex);
    // An index with two candidates and no wasm platform cannot stand for one image.
    const ambiguous = jsonBytes({
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: [entryA, { ...entryB, annotations: {} }].map((e) => ({ ...e, annotations: {} })),
    });
    const ambiguousDigest = await putBlob(layout, ambiguous);
    await writeIndex(layout, [
      entryA,
      { mediaType: INDEX, digest: betaIndexDigest, size: betaIndex.length, annotations: { [REF]: "beta:1.0.0" } },
      { mediaType: INDEX, digest: ambiguousDigest, size: ambiguous.length, annotations: { [REF]: "both:1" } },
    ]);
  });

  it("ls lists the image and the index's wasm image, and warns about the ambiguous index", async () => {
    const result = await runOcre(["image", "ls", "--layout", layout, "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.images.map((i: { ref: string; digest: string }) => [i.ref, i.digest])).toEqual([
      ["alpha:1.0.0", a.manifestDigest],
      ["beta:1.0.0", b.manifestDigest],
    ]);
    expect(doc.skipped).toEqual([
      expect.objectContaining({ ref: "both:1", error: expect.objectContaining({ code: "OCRE_OCI_INDEX_AMBIGUOUS" }) }),
    ]);
    expect(result.stderr).toContain("warning skipped both:1");
  });

  it("inspect and run work through the index; naming the ambiguous one says why it cannot", async () => {
    const inspected = await runOcre(["image", "inspect", "beta:1.0.0", "--layout", layout, "--json"]);
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    expect(JSON.parse(inspected.stdout).digest).toBe(b.manifestDigest);
    const ran = await runOcre(["run", `oci:${layout}:beta:1.0.0`, "--virtual-time", "--duration", "1s"]);
    expect(ran.exitCode, ran.stderr).toBe(0);
    const ambiguous = await runOcre(["image", "inspect", "both:1", "--layout", layout]);
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toContain("error OCRE_OCI_INDEX_AMBIGUOUS");
  });

  it("rm of one image keeps the index's blobs; rm of the index entry removes only it", async () => {
    const removed = await runOcre(["image", "rm", "alpha:1.0.0", "--layout", layout]);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect((await runOcre(["image", "inspect", "beta:1.0.0", "--layout", layout])).exitCode).toBe(0);
    const refs = (await readIndex(layout)).manifests.map((m) => (m.annotations as Record<string, string>)[REF]);
    expect(refs).toEqual(["beta:1.0.0", "both:1"]);
  });

  it("an index.json size that does not match the manifest is an error for that image, not for the others", async () => {
    const copy = path.join(await tempDir("ocre-store-size-"), "oci");
    await writeLayout(copy, [
      { content: a, ref: "alpha:1.0.0" },
      { content: b, ref: "beta:1.0.0" },
    ]);
    const index = await readIndex(copy);
    index.manifests[0] = { ...index.manifests[0], size: (index.manifests[0]!.size as number) - 1 };
    await writeIndex(copy, index.manifests);
    const inspected = await runOcre(["image", "inspect", "alpha:1.0.0", "--layout", copy]);
    expect(inspected.exitCode).toBe(1);
    expect(inspected.stderr).toMatch(
      /error OCRE_OCI_DIGEST_MISMATCH: blob sha256:[0-9a-f]{64} in .* is \d+ bytes, but its descriptor says \d+/,
    );
    expect((await runOcre(["image", "inspect", "beta:1.0.0", "--layout", copy])).exitCode).toBe(0);
  });

  it("a blob over 2 GiB is reported as too large, not as missing", async () => {
    const copy = path.join(await tempDir("ocre-store-huge-"), "oci");
    await writeLayout(copy, [{ content: a, ref: "alpha:1.0.0" }]);
    const layer = a.manifest.layers[0]!;
    const huge = 2 * 1024 ** 3 + 1;
    // A sparse file: the size is what matters, not the disk.
    await truncate(path.join(copy, "blobs", "sha256", layer.digest.slice(7)), huge);
    const manifest = JSON.parse(Buffer.from(a.manifestBytes).toString("utf8"));
    manifest.layers[0].size = huge;
    const bytes = jsonBytes(manifest);
    const digest = await putBlob(copy, bytes);
    await writeIndex(copy, [{ mediaType: MANIFEST, digest, size: bytes.length, annotations: { [REF]: "huge:1" } }]);
    const result = await runOcre(["image", "inspect", "huge:1", "--layout", copy]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("error OCRE_OCI_BLOB_TOO_LARGE");
    expect(result.stderr).toContain("2147483649 bytes");
  });
});

describe("references resolve predictably", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("ocre-refs-");
    await mkdir(path.join(dir, "apps"));
  });
  const env = () => ({ OCRE_IMAGE_STORE: path.join(dir, "store") });

  it.each([["apps/blinki"], ["./apps/blinki"], ["../nowhere/blinky"], ["/no/such/app"], ["missing.wasm"]])(
    "`ocre run %s` (a path that does not exist) is 'no such app or file', without a registry",
    async (target) => {
      const result = await runOcre(["run", target], { cwd: dir, env: env() });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("error OCRE_RUN_NOT_FOUND: no such app or file:");
      expect(result.stderr).not.toMatch(/docker\.io|OCRE_REGISTRY/);
    },
  );

  it("a name without a registry host is looked up locally only", async () => {
    const result = await runOcre(["run", "blinky:9.9.9"], { cwd: dir, env: env() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("error OCRE_IMAGE_NOT_FOUND");
    expect(result.stderr).toContain("a registry is contacted only for a reference naming its host");
  });

  it("a reference naming a registry host is fetched from it", async () => {
    // Port 9 on loopback: nothing listens, so the attempt fails fast, but it is a registry error.
    const result = await runOcre(["run", "127.0.0.1:9/blinky:1.0.0"], { cwd: dir, env: env() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/error OCRE_REGISTRY_[A-Z_]+/);
    expect(result.stderr).toContain("127.0.0.1:9");
  });
});

describe("import staging never outlives the command", () => {
  let dir: string;
  let archive: string;
  beforeAll(async () => {
    dir = await tempDir("ocre-staging-");
    const content = await image("hello", "0.1.0", 5);
    const base = path.join(dir, "base.tar");
    await exportArchive(content, "0.1.0", base);
    // The image plus a large unreferenced blob, so the import stages long enough to be interrupted.
    const big = Buffer.alloc(160 * 1024 * 1024);
    const plain = await readFile(base);
    const withoutEnd = plain.subarray(0, plain.length - 1024);
    archive = path.join(dir, "big.tar");
    // Entries of the real archive first, then the big blob, then the end blocks.
    await writeFile(
      archive,
      Buffer.concat([withoutEnd, tarBytes([{ name: `blobs/sha256/${sha256Hex(big)}`, data: big }])]),
    );
  });

  it.each([["SIGINT"], ["SIGTERM"]] as const)(
    "%s during the import removes the staging folder and leaves the store untouched",
    async (signal) => {
      const tmp = path.join(dir, `tmp-${signal}`);
      const store = path.join(dir, `store-${signal}`);
      await mkdir(tmp);
      const child = spawn(process.execPath, [cliPath, "image", "import", archive], {
        env: { ...process.env, TMPDIR: tmp, OCRE_IMAGE_STORE: store, NO_COLOR: "1" },
        stdio: "ignore",
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
      let seen = false;
      for (let i = 0; i < 2000 && !seen; i++) {
        seen = (await readdir(tmp)).some((n) => n.startsWith("ocre-import-"));
        if (!seen) await new Promise((r) => setTimeout(r, 5));
      }
      expect(seen).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(await readdir(tmp)).toEqual([]);
      expect(await stat(path.join(store, "index.json")).catch(() => undefined)).toBeUndefined();
    },
  );

  it("the staging folder of a killed import is removed by the next one", async () => {
    const tmp = path.join(dir, "tmp-stale");
    await mkdir(path.join(tmp, "ocre-import-999999999-abcdef", "x"), { recursive: true });
    await writeFile(path.join(tmp, "ocre-import-999999999-abcdef", "x", "blob"), "left over");
    const result = await runOcre(["image", "import", path.join(dir, "base.tar")], {
      env: { TMPDIR: tmp, OCRE_IMAGE_STORE: path.join(dir, "store-stale") },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readdir(tmp)).toEqual([]);
  });
});
