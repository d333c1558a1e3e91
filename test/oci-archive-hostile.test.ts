import { beforeAll, describe, expect, it } from "vitest";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { fixtureSpec } from "./oci-fixture.mjs";
import { runOcre, tempDir } from "./helpers/cli.js";
import { gzipBomb, jsonBytes, sha256Hex, tarBytes, type TarItem } from "./helpers/tar-builder.js";
import { renderImage } from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";

/**
 * The malicious-archive suite: every archive is generated here, fed to `ocre image import`,
 * and must end in the documented error and exit code with nothing written to the store and no
 * staging folder left behind.
 */

const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const INDEX = "application/vnd.oci.image.index.v1+json";

interface LayoutParts {
  /** Manifest JSON before serialising (mutate it to break it). */
  manifest: Record<string, unknown>;
  /** Config bytes (replaced to break them). */
  config: Buffer;
  wasm: Buffer;
  refName: string | undefined;
}

let base: LayoutParts;

beforeAll(async () => {
  const content = renderImage((await fixtureSpec({ name: "hello", version: "0.1.0" })) as ContainerSpec, {
    boards: [],
    sdkVersion: "0.0.0",
  });
  const configDigest = content.manifest.config.digest;
  const layerDigest = content.manifest.layers[0]!.digest;
  base = {
    manifest: JSON.parse(Buffer.from(content.manifestBytes).toString("utf8")) as Record<string, unknown>,
    config: Buffer.from(content.blobs.get(configDigest)!),
    wasm: Buffer.from(content.blobs.get(layerDigest)!),
    refName: "0.1.0",
  };
});

interface Built {
  items: TarItem[];
  manifestBytes: Buffer;
  manifestDigest: string;
}

/** A valid oci-archive from parts, with hooks to break any piece of it. */
function layout(
  change: {
    manifest?: (m: Record<string, unknown>) => Record<string, unknown> | string;
    config?: Buffer;
    index?: (i: Record<string, unknown>) => unknown;
    refName?: string | undefined;
    indexDescriptor?: (d: Record<string, unknown>) => Record<string, unknown>;
  } = {},
): Built {
  const config = change.config ?? base.config;
  const configHex = sha256Hex(config);
  const wasmHex = sha256Hex(base.wasm);
  const m = structuredClone(base.manifest);
  m.config = { ...(m.config as object), digest: `sha256:${configHex}`, size: config.length };
  const changed = change.manifest ? change.manifest(m) : m;
  const manifestBytes = typeof changed === "string" ? Buffer.from(changed) : jsonBytes(changed);
  const manifestHex = sha256Hex(manifestBytes);
  const refName = "refName" in change ? change.refName : base.refName;
  let descriptor: Record<string, unknown> = {
    mediaType: MANIFEST,
    digest: `sha256:${manifestHex}`,
    size: manifestBytes.length,
    ...(refName === undefined ? {} : { annotations: { "org.opencontainers.image.ref.name": refName } }),
  };
  if (change.indexDescriptor) descriptor = change.indexDescriptor(descriptor);
  const index: Record<string, unknown> = { schemaVersion: 2, mediaType: INDEX, manifests: [descriptor] };
  const indexValue = change.index ? change.index(index) : index;
  return {
    manifestBytes,
    manifestDigest: `sha256:${manifestHex}`,
    items: [
      { name: "oci-layout", data: jsonBytes({ imageLayoutVersion: "1.0.0" }) },
      { name: "index.json", data: typeof indexValue === "string" ? indexValue : jsonBytes(indexValue) },
      { name: "blobs/", type: "5" },
      { name: "blobs/sha256/", type: "5" },
      { name: `blobs/sha256/${manifestHex}`, data: manifestBytes },
      { name: `blobs/sha256/${configHex}`, data: config },
      { name: `blobs/sha256/${wasmHex}`, data: base.wasm },
    ],
  };
}

interface Case {
  /** The archive's bytes (plain or gzipped tar). */
  archive: () => Buffer;
  code: string;
  /** Words the message must contain. */
  message?: string;
  args?: string[];
  /** Upper bound on the wall time, for bombs. */
  maxMs?: number;
}

const withAnnotations = (extra: Record<string, string>) => (m: Record<string, unknown>) => ({
  ...m,
  annotations: { ...(m.annotations as object), ...extra },
});

const valid = () => layout().items;
const evilFile = (name: string): TarItem => ({ name, data: "pwned" });

const CASES: Record<string, Case> = {
  "a ../ path": {
    archive: () => tarBytes([evilFile("../evil"), ...valid()]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: 'climbs out of the archive with ".."',
  },
  "a nested ../ path": {
    archive: () => tarBytes([...valid(), evilFile("blobs/../../evil")]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "climbs out",
  },
  "a backslash ..\\ path": {
    archive: () => tarBytes([evilFile("..\\evil"), ...valid()]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "climbs out",
  },
  "an absolute path": {
    archive: () => tarBytes([evilFile("/tmp/ocre-evil"), ...valid()]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "has an absolute path",
  },
  "a Windows drive path": {
    archive: () => tarBytes([evilFile("C:\\evil"), ...valid()]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "has an absolute path",
  },
  "a symlink before valid entries": {
    archive: () => tarBytes([{ name: "blobs", type: "2", linkname: "/etc" }, ...valid()]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a symbolic link",
  },
  "a symlink after valid entries": {
    archive: () => tarBytes([...valid(), { name: "index2.json", type: "2", linkname: "../../.bashrc" }]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a symbolic link",
  },
  "a hard link to an absolute path before valid entries": {
    archive: () => tarBytes([{ name: "passwd", type: "1", linkname: "/etc/passwd" }, ...valid()]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a hard link",
  },
  "a hard link to an absolute path after valid entries": {
    archive: () => tarBytes([...valid(), { name: "passwd", type: "1", linkname: "/etc/passwd" }]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a hard link",
  },
  "a hard link to a file inside the archive": {
    archive: () => tarBytes([...valid(), { name: "index-copy.json", type: "1", linkname: "index.json" }]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a hard link",
  },
  "a character device": {
    archive: () => tarBytes([...valid(), { name: "null", type: "3" }]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a character device",
  },
  "a block device": {
    archive: () => tarBytes([{ name: "sda", type: "4" }, ...valid()]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a block device",
  },
  "a FIFO": {
    archive: () => tarBytes([...valid(), { name: "fifo", type: "6" }]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "is a FIFO",
  },
  "an entry that appears twice": {
    archive: () => tarBytes([...valid(), { name: "index.json", data: jsonBytes({ schemaVersion: 2, manifests: [] }) }]),
    code: "OCRE_ARCHIVE_UNSAFE",
    message: "appears twice",
  },
  "a gzip bomb: 14 MB holding a 3 GiB unused blob": {
    archive: () => gzipBomb(valid(), `blobs/sha256/${"e".repeat(64)}`, 3 * 1024 ** 3),
    code: "OCRE_ARCHIVE_LIMIT",
    message: "over the per-blob limit of 536870912",
    maxMs: 5000,
  },
  "a gzip bomb: a 1 GiB layer from a few MB": {
    archive: () => {
      const hex = "f".repeat(64);
      const built = layout({
        manifest: (m) => ({
          ...m,
          layers: [{ mediaType: "application/wasm", digest: `sha256:${hex}`, size: 1024 ** 3 }],
        }),
      });
      return gzipBomb(built.items.slice(0, 6), `blobs/sha256/${hex}`, 1024 ** 3);
    },
    code: "OCRE_ARCHIVE_LIMIT",
    message: "over the per-blob limit",
    maxMs: 5000,
  },
  "more bytes than --max-size": {
    archive: () =>
      tarBytes([...valid(), ...[1, 2, 3].map((i) => ({ name: `pad${i}`, data: Buffer.alloc(600 * 1024) }))]),
    args: ["--max-size", "1MiB"],
    code: "OCRE_ARCHIVE_LIMIT",
    message: "unpacks to more than 1048576 bytes",
  },
  "more entries than --max-entries": {
    archive: () =>
      tarBytes([...valid(), ...Array.from({ length: 60 }, (_, i) => ({ name: `d${i}/`, type: "5" as const }))]),
    args: ["--max-entries", "50"],
    code: "OCRE_ARCHIVE_LIMIT",
    message: "holds more than 50 entries",
  },
  "a blob bigger than --max-blob-size": {
    archive: () => tarBytes(valid()),
    args: ["--max-blob-size", "100B"],
    code: "OCRE_ARCHIVE_LIMIT",
    message: "over the per-blob limit of 100",
  },
  "a truncated archive": { archive: () => tarBytes(valid()).subarray(0, 1800), code: "OCRE_ARCHIVE_INVALID" },
  "a file that is not a tar": {
    archive: () => Buffer.from("hello, not a tar\n".repeat(100)),
    code: "OCRE_ARCHIVE_INVALID",
  },
  "a corrupt gzip stream": {
    archive: () => {
      const gz = gzipSync(tarBytes(valid()));
      gz[gz.length >> 1] ^= 0xff;
      return gz;
    },
    code: "OCRE_ARCHIVE_INVALID",
  },
  "no oci-layout file": {
    archive: () => tarBytes(valid().filter((i) => i.name !== "oci-layout")),
    code: "OCRE_ARCHIVE_INVALID",
    message: "not an OCI image layout",
  },
  "a non-JSON index.json": {
    archive: () => tarBytes(layout({ index: () => "{{{" }).items),
    code: "OCRE_OCI_INVALID",
    message: "index.json: is not JSON",
  },
  "a null entry in index.json": {
    archive: () => tarBytes(layout({ index: (i) => ({ ...i, manifests: [null] }) }).items),
    code: "OCRE_OCI_INVALID",
    message: "index.json: manifests[0] is null, not an object",
  },
  "index.json manifests of the wrong type": {
    archive: () => tarBytes(layout({ index: (i) => ({ ...i, manifests: "all of them" }) }).items),
    code: "OCRE_OCI_INVALID",
    message: "manifests is a string, not an array",
  },
  "an index.json size that does not match the manifest": {
    archive: () => tarBytes(layout({ indexDescriptor: (d) => ({ ...d, size: (d.size as number) + 1 }) }).items),
    code: "OCRE_OCI_DIGEST_MISMATCH",
    message: "but its descriptor says",
  },
  "a non-JSON manifest": {
    archive: () => tarBytes(layout({ manifest: () => "<manifest/>" }).items),
    code: "OCRE_OCI_INVALID",
    message: "is not JSON",
  },
  "a null layer in the manifest": {
    archive: () => tarBytes(layout({ manifest: (m) => ({ ...m, layers: [null] }) }).items),
    code: "OCRE_OCI_INVALID",
    message: "layers[0] is null, not an object",
  },
  "a non-JSON config": {
    archive: () => tarBytes(layout({ config: Buffer.from("architecture=wasm") }).items),
    code: "OCRE_OCI_INVALID",
    message: "is not JSON",
  },
  "a config with architecture of the wrong type": {
    archive: () =>
      tarBytes(layout({ config: jsonBytes({ architecture: ["wasm"], os: "wasip1", layerDigests: [] }) }).items),
    code: "OCRE_OCI_INVALID",
    message: "architecture is an array, not a string",
  },
  "io.ocre.args that is an object": {
    archive: () => tarBytes(layout({ manifest: withAnnotations({ "io.ocre.args": "{}" }) }).items),
    code: "OCRE_OCI_INVALID",
    message: "io.ocre.args is an object, not an array",
  },
  "io.ocre.env that is null": {
    archive: () => tarBytes(layout({ manifest: withAnnotations({ "io.ocre.env": "null" }) }).items),
    code: "OCRE_OCI_INVALID",
    message: "io.ocre.env is null, not an object",
  },
  "a huge heap size": {
    archive: () => tarBytes(layout({ manifest: withAnnotations({ "io.ocre.memory.heap-bytes": "1e300" }) }).items),
    code: "OCRE_OCI_INVALID",
    message: "io.ocre.memory.heap-bytes",
  },
  "an annotation that is a number": {
    archive: () => tarBytes(layout({ manifest: withAnnotations({ "io.ocre.args": 5 as unknown as string }) }).items),
    code: "OCRE_OCI_INVALID",
    message: 'annotations["io.ocre.args"] is a number, not a string',
  },
  "a blob whose bytes do not match its name": {
    archive: () => {
      const items = valid();
      const last = items[items.length - 1]!;
      return tarBytes([...items.slice(0, -1), { ...last, data: Buffer.concat([base.wasm, Buffer.from([0])]) }]);
    },
    code: "OCRE_OCI_DIGEST_MISMATCH",
    message: "does not match its digest",
  },
  "a missing layer blob": {
    archive: () => tarBytes(valid().slice(0, -1)),
    code: "OCRE_OCI_BLOB_MISSING",
    message: "is not in the archive",
  },
  "an uppercase reference name": {
    archive: () => tarBytes(layout({ refName: "Hello:1.0" }).items),
    code: "OCRE_REFERENCE_INVALID",
  },
  "a 300-character repository name": {
    archive: () => tarBytes(layout({ refName: `${"a".repeat(300)}:1` }).items),
    code: "OCRE_REFERENCE_INVALID",
    message: "over the limit of 255",
  },
  "escape sequences in the reference name": {
    archive: () => tarBytes(layout({ refName: "hello:1\u001b]0;pwned\u0007\u001b[2J" }).items),
    code: "OCRE_REFERENCE_INVALID",
    message: "\\e]0;pwned\\x07\\e[2J",
  },
  "escape sequences in the title of an image tagged only": {
    archive: () =>
      tarBytes(layout({ manifest: withAnnotations({ "org.opencontainers.image.title": "\u001b[2Jx" }) }).items),
    code: "OCRE_REFERENCE_INVALID",
    message: "\\e[2Jx",
  },
  "a bad --name": { archive: () => tarBytes(valid()), args: ["--name", "Not A Name"], code: "OCRE_REFERENCE_INVALID" },
};

describe("ocre image import refuses hostile archives", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("ocre-hostile-");
  });

  it("imports the untouched archive the cases are made from (so every refusal below is the change's doing)", async () => {
    const file = path.join(dir, "valid.tar");
    await writeFile(file, tarBytes(valid()));
    const store = path.join(dir, "valid-store");
    const result = await runOcre(["image", "import", file, "--json"], { env: { OCRE_IMAGE_STORE: store } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).images).toEqual([
      { ref: "hello:0.1.0", digest: layout().manifestDigest, size: expect.any(Number) },
    ]);
  });

  it("has at least 30 cases", () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(CASES))("%s", async (name, c) => {
    const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
    const file = path.join(dir, `${slug}.tar`);
    await writeFile(file, c.archive());
    const store = path.join(dir, `store-${slug}`);
    const tmp = path.join(dir, `tmp-${slug}`);
    await mkdir(tmp);
    const started = performance.now();
    const result = await runOcre(["image", "import", file, ...(c.args ?? [])], {
      env: { OCRE_IMAGE_STORE: store, TMPDIR: tmp },
    });
    const ms = performance.now() - started;
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain(`error ${c.code}:`);
    if (c.message) expect(result.stderr).toContain(c.message);
    // Nothing from the archive reaches the terminal raw.
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // Nothing written to the store, no staging left.
    expect(await stat(store).catch(() => undefined)).toBeUndefined();
    expect(await readdir(tmp)).toEqual([]);
    expect(await stat("/tmp/ocre-evil").catch(() => undefined)).toBeUndefined();
    if (c.maxMs !== undefined) expect(ms).toBeLessThan(c.maxMs);
  });
});
