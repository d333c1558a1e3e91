import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdtemp, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { Transform, Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import os from "node:os";
import path from "node:path";
import { OcreError } from "../errors.js";
import { tempSibling } from "../util/atomic.js";
import { escapeText } from "../ui/escape.js";
import { fileError } from "../util/fs-errors.js";
import { withStaging } from "../util/staging.js";
import type { Digest } from "./digest.js";
import {
  invalidDocument,
  MAX_CONFIG_BYTES,
  MAX_MANIFEST_BYTES,
  parseImageIndex,
  parseImageManifest,
  parseJsonDocument,
  parseOcreAnnotations,
} from "./documents.js";
import { parseConfig } from "./image-spec.js";
import type { Descriptor, ImageContent, ImageManifest } from "./image-types.js";
import { addStagedToLayout, writeLayout } from "./layout.js";
import { OCI_TITLE } from "./annotations.js";
import {
  ANNOTATION_REF_NAME,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_MANIFEST,
} from "./media-types.js";
import { isBareTag, parseImageName } from "./reference.js";
import { DEFAULT_ARCHIVE_LIMITS, readTar, type ArchiveLimits, type EntrySink } from "./tar-scan.js";

/** The reference name an image gets inside an archive: the tag part, which is what `oci-archive:FILE:TAG` names. */
export function archiveRefName(ref: string): string {
  const afterSlash = ref.slice(ref.lastIndexOf("/") + 1);
  const colon = afterSlash.lastIndexOf(":");
  return colon >= 0 ? afterSlash.slice(colon + 1) : afterSlash;
}

/** Every path in a layout, directories included, sorted: the archive's entry order. */
async function layoutEntries(dir: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(dir, rel))).sort()) {
      const child = rel === "" ? name : `${rel}/${name}`;
      const info = await stat(path.join(dir, child));
      // Modes are fixed so the archive does not depend on the exporter's umask.
      await chmod(path.join(dir, child), info.isDirectory() ? 0o755 : 0o644);
      names.push(info.isDirectory() ? `${child}/` : child);
      if (info.isDirectory()) await walk(child);
    }
  };
  await walk("");
  return names;
}

/**
 * Writes an oci-archive (a plain tar of an OCI image layout, as skopeo's `oci-archive:` reads it)
 * holding one image under `refName`. Deterministic: sorted entries, fixed modes, owners and
 * times, so the same image always gives the same file. Written to a temp sibling and renamed.
 */
export async function exportArchive(content: ImageContent, refName: string, file: string): Promise<void> {
  const staging = await mkdtemp(path.join(os.tmpdir(), "ocre-export-"));
  const tmpFile = tempSibling(file);
  try {
    const layout = path.join(staging, "layout");
    await writeLayout(layout, [{ content, ref: refName }]);
    const entries = await layoutEntries(layout);
    const tar = await import("tar");
    await tar.create({ file: tmpFile, cwd: layout, portable: true, noDirRecurse: true, mtime: new Date(0) }, entries);
    await rename(tmpFile, file);
  } catch (error) {
    await rm(tmpFile, { force: true });
    if (error instanceof OcreError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new OcreError("OCRE_ARCHIVE_WRITE", `cannot write ${file}: ${code ?? (error as Error).message}`, {
      hint: "check that the directory exists and is writable",
      cause: error,
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface ImportedImage {
  /** The full reference the image is kept under (`blinky:1.0.0`, `localhost:5000/iot/blinky:1.0.0`). */
  readonly ref: string;
  readonly digest: Digest;
  /** Manifest + config + layers, in bytes. */
  readonly size: number;
}

export interface ImportOptions {
  /** Reference for the imported image (the archive must then hold exactly one). */
  readonly name?: string | undefined;
  /** Raise (or lower) the limits an untrusted archive is held to. */
  readonly limits?: Partial<ArchiveLimits>;
}

const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;
/** Largest oci-layout file (it is one short JSON object). */
const MAX_MARKER_BYTES = 4096;

/** Collects a small entry (index.json, oci-layout) in memory; its size was checked from the header. */
function collector(): { sink: EntrySink; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  return {
    sink: { stream, done: finished(stream) },
    bytes: () => Buffer.concat(chunks),
  };
}

/** Streams a blob to `file` while hashing it; rejects when the bytes do not match the name. */
function blobWriter(file: string, digest: Digest, archive: string): EntrySink {
  const hash = createHash("sha256");
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const out = createWriteStream(file, { flags: "wx" });
  const done = pipeline(hasher, out).then(
    () => {
      verifyHex(hash.digest("hex"), digest, archive);
    },
    (error: unknown) => {
      throw fileError(error, file, "cannot write");
    },
  );
  return { stream: hasher, done };
}

function verifyHex(actual: string, digest: Digest, archive: string): void {
  if (`sha256:${actual}` !== digest) {
    throw new OcreError(
      "OCRE_OCI_DIGEST_MISMATCH",
      `${archive}: blob ${digest} does not match its digest (its bytes hash to sha256:${actual})`,
      { hint: "the archive is damaged or was tampered with; nothing was written" },
    );
  }
}

interface StagedArchive {
  marker: Buffer | undefined;
  index: Buffer | undefined;
  /** digest → { file in staging, size } */
  blobs: Map<Digest, { file: string; size: number }>;
}

/** The second pass: blobs to files in `staging` (hashed on the way), index.json and oci-layout in memory. */
async function stageArchive(file: string, staging: string, limits: ArchiveLimits): Promise<StagedArchive> {
  const staged: StagedArchive = { marker: undefined, index: undefined, blobs: new Map() };
  let marker: ReturnType<typeof collector> | undefined;
  let index: ReturnType<typeof collector> | undefined;
  await readTar(file, limits, (entry) => {
    if (entry.type !== "file") return undefined;
    if (entry.path === "oci-layout") {
      if (entry.size > MAX_MARKER_BYTES)
        throw invalidDocument(
          `${file}: oci-layout`,
          undefined,
          `is ${entry.size} bytes, over the ${MAX_MARKER_BYTES}-byte limit`,
        );
      marker = collector();
      return marker.sink;
    }
    if (entry.path === "index.json") {
      if (entry.size > MAX_MANIFEST_BYTES)
        throw invalidDocument(
          `${file}: index.json`,
          undefined,
          `is ${entry.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
        );
      index = collector();
      return index.sink;
    }
    const hex = BLOB_PATH.exec(entry.path)?.[1];
    if (hex === undefined) return undefined;
    const digest: Digest = `sha256:${hex}`;
    const target = path.join(staging, hex);
    staged.blobs.set(digest, { file: target, size: entry.size });
    return blobWriter(target, digest, file);
  });
  staged.marker = marker?.bytes();
  staged.index = index?.bytes();
  return staged;
}

/** Checks a staged blob is there with the size its descriptor declares (its digest was verified while staging). */
function stagedBlob(
  staged: StagedArchive,
  d: Descriptor,
  what: string,
  archive: string,
): { file: string; size: number } {
  const blob = staged.blobs.get(d.digest);
  if (blob === undefined)
    throw new OcreError("OCRE_OCI_BLOB_MISSING", `${archive}: ${what} ${d.digest} is not in the archive`, {
      hint: "the archive is incomplete; export it again",
    });
  if (blob.size !== d.size)
    throw new OcreError(
      "OCRE_OCI_DIGEST_MISMATCH",
      `${archive}: ${what} ${d.digest} is ${blob.size} bytes, but its descriptor says ${d.size}`,
      { hint: "the archive is damaged or was tampered with; nothing was written" },
    );
  return blob;
}

/** Reads a small staged blob (manifest, config, nested index), bounded by `max`. */
async function stagedDocument(
  staged: StagedArchive,
  d: Descriptor,
  what: string,
  max: number,
  archive: string,
): Promise<Buffer> {
  const blob = stagedBlob(staged, d, what, archive);
  if (blob.size > max)
    throw invalidDocument(
      `${archive}: ${what} ${d.digest}`,
      undefined,
      `is ${blob.size} bytes, over the ${max}-byte limit`,
    );
  return readFile(blob.file);
}

interface CheckedImage {
  readonly descriptor: Descriptor;
  readonly manifest: ImageManifest;
  readonly blobs: readonly Digest[];
  readonly size: number;
}

const MANIFEST_TYPES = new Set([MEDIA_TYPE_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]);
const INDEX_TYPES = new Set([MEDIA_TYPE_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST]);

/**
 * Checks one index.json entry: its manifest (size, JSON, types), config (parsed), layers
 * (present, sizes; their digests were verified while staging) and io.ocre annotations. An
 * entry that is itself an index stands for its Wasm image (platform wasm, or its only entry).
 */
async function checkEntry(
  staged: StagedArchive,
  d: Descriptor,
  archive: string,
  nested = false,
): Promise<CheckedImage> {
  if (INDEX_TYPES.has(d.mediaType) && !nested) {
    const bytes = await stagedDocument(staged, d, "index", MAX_MANIFEST_BYTES, archive);
    const index = parseImageIndex(bytes, `${archive}: index ${d.digest}`);
    const wasm = index.manifests.filter((m) => m.platform?.architecture === "wasm");
    const candidates = wasm.length > 0 ? wasm : index.manifests;
    if (candidates.length !== 1)
      throw new OcreError(
        "OCRE_OCI_INDEX_AMBIGUOUS",
        `${archive}: index ${d.digest} holds ${index.manifests.length} images and none is uniquely the wasm one`,
        { hint: "export the wanted image on its own" },
      );
    return checkEntry(staged, candidates[0] as Descriptor, archive, true);
  }
  if (!MANIFEST_TYPES.has(d.mediaType))
    throw new OcreError(
      "OCRE_OCI_NOT_AN_IMAGE",
      `${archive}: ${d.digest} is ${escapeText(d.mediaType.slice(0, 200))}, not an image manifest`,
      {
        hint: "ocre imports images (and indexes naming one wasm image)",
      },
    );
  const document = `${archive}: manifest ${d.digest}`;
  const manifest = parseImageManifest(
    await stagedDocument(staged, d, "manifest", MAX_MANIFEST_BYTES, archive),
    document,
  );
  const configBytes = await stagedDocument(staged, manifest.config, "config", MAX_CONFIG_BYTES, archive);
  parseConfig(manifest.config.mediaType, configBytes, `${archive}: config ${manifest.config.digest}`);
  parseOcreAnnotations(manifest.annotations, document);
  let size = d.size + manifest.config.size;
  for (const layer of manifest.layers) {
    stagedBlob(staged, layer, "layer", archive);
    size += layer.size;
  }
  return {
    descriptor: d,
    manifest,
    blobs: [d.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)],
    size,
  };
}

/**
 * The reference an imported image is kept under: `--name`, else the archive's ref.name when it
 * is a full reference, else (a bare tag, which is what `oci-archive:FILE:TAG` and `ocre image
 * export` write) the image's title with that tag. Keeping full references is what lets
 * hello:0.1.0 and blinky:0.1.0 live side by side.
 */
function importedRef(
  name: string | undefined,
  archiveRef: string | undefined,
  manifest: ImageManifest,
  digest: Digest,
): string {
  if (name !== undefined) {
    const parsed = parseImageName(name);
    return parsed.digest !== undefined && parsed.tag === undefined
      ? parsed.name
      : `${parsed.name}:${parsed.tag ?? "latest"}`;
  }
  if (archiveRef === undefined) {
    const title = manifest.annotations?.[OCI_TITLE];
    if (title !== undefined) return `${parseImageName(title).name}@${digest}`;
    return digest;
  }
  if (isBareTag(archiveRef)) {
    const title = manifest.annotations?.[OCI_TITLE];
    if (title === undefined)
      throw new OcreError(
        "OCRE_ARCHIVE_NAME",
        `the image tagged "${escapeText(archiveRef)}" has no name (no ${OCI_TITLE} annotation)`,
        { hint: "name it: `ocre image import FILE --name <repository>:<tag>`" },
      );
    const parsed = parseImageName(`${title}:${archiveRef}`);
    return `${parsed.name}:${parsed.tag}`;
  }
  const parsed = parseImageName(archiveRef);
  return parsed.tag === undefined && parsed.digest === undefined ? `${parsed.name}:latest` : archiveRef;
}

/**
 * Reads an oci-archive (plain or gzipped tar) from an untrusted source and adds its images to
 * `layout`. Two passes over the file: the first checks every header (types, paths, sizes,
 * counts) and writes nothing, so links, devices, FIFOs, absolute and `..` paths and bombs are
 * refused before anything is written; the second streams the blobs into a private staging
 * folder, hashing them. Then every document is parsed strictly and every reference checked,
 * and only then are the blobs moved into the layout and index.json updated. The staging
 * folder is removed on every exit path, including SIGINT/SIGTERM (see util/staging.ts).
 */
export async function importArchive(
  file: string,
  layout: string,
  options: ImportOptions = {},
): Promise<ImportedImage[]> {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  await readTar(file, limits, () => undefined);
  return withStaging("ocre-import-", async (staging) => {
    const staged = await stageArchive(file, staging, limits);
    if (staged.marker === undefined) {
      throw new OcreError(
        "OCRE_ARCHIVE_INVALID",
        `${file} is a tar archive but not an OCI image layout (no oci-layout file)`,
        {
          hint: "docker-archive tarballs (`docker save`) are not supported; convert with `skopeo copy docker-archive:F oci-archive:G:TAG`",
        },
      );
    }
    const marker = parseJsonDocument(staged.marker, `${file}: oci-layout`, MAX_MARKER_BYTES);
    if (
      marker === null ||
      typeof marker !== "object" ||
      typeof (marker as { imageLayoutVersion?: unknown }).imageLayoutVersion !== "string"
    )
      throw invalidDocument(`${file}: oci-layout`, "imageLayoutVersion", "is not a string");
    if (staged.index === undefined)
      throw new OcreError("OCRE_ARCHIVE_INVALID", `${file} holds no index.json`, { hint: "export the image again" });
    const index = parseImageIndex(staged.index, `${file}: index.json`);
    if (index.manifests.length === 0)
      throw new OcreError("OCRE_ARCHIVE_INVALID", `${file} holds no image`, {
        hint: "export one with `ocre image export`",
      });
    if (options.name !== undefined && index.manifests.length !== 1) {
      throw new OcreError(
        "OCRE_ARCHIVE_AMBIGUOUS",
        `${file} holds ${index.manifests.length} images, so --name cannot name them all`,
        {
          hint: "import without --name",
        },
      );
    }
    const images: (ImportedImage & { checked: CheckedImage })[] = [];
    for (const entry of index.manifests) {
      const checked = await checkEntry(staged, entry, file);
      const ref = importedRef(
        options.name,
        entry.annotations?.[ANNOTATION_REF_NAME],
        checked.manifest,
        checked.descriptor.digest,
      );
      if (images.some((i) => i.ref === ref))
        throw new OcreError("OCRE_ARCHIVE_AMBIGUOUS", `${file} names two images "${escapeText(ref)}"`, {
          hint: "import them one at a time with --name",
        });
      images.push({ ref, digest: checked.descriptor.digest, size: checked.size, checked });
    }
    const files = new Map<Digest, string>();
    for (const image of images) for (const d of image.checked.blobs) files.set(d, staged.blobs.get(d)!.file);
    await addStagedToLayout(
      layout,
      images.map((i) => ({
        ref: i.ref,
        descriptor: {
          mediaType: i.checked.descriptor.mediaType,
          digest: i.checked.descriptor.digest,
          size: i.checked.descriptor.size,
        },
      })),
      files,
    );
    return images.map(({ ref, digest, size }) => ({ ref, digest, size }));
  });
}
