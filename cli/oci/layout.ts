import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readFile, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import { OcreError } from "../errors.js";
import { tempSibling, writeDirAtomic, writeFileAtomic } from "../util/atomic.js";
import { canonicalJson } from "./canonical-json.js";
import { digestHex, isDigest, verifyDigest, type Digest } from "./digest.js";
import type { Descriptor, ImageContent, ImageIndex, ImageManifest } from "./image-types.js";
import { parseImageIndex, parseImageManifest } from "./documents.js";
import { fileError } from "../util/fs-errors.js";
import {
  ANNOTATION_REF_NAME,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_MANIFEST,
} from "./media-types.js";

/**
 * An OCI image layout on disk (image-spec image-layout.md): `oci-layout`, `index.json` and
 * content-addressed `blobs/sha256/<hex>`. Skopeo reads it as `oci:DIR:REF`.
 */
const LAYOUT_MARKER = canonicalJson({ imageLayoutVersion: "1.0.0" });

export interface LayoutEntry {
  /** The manifest's descriptor as index.json lists it. */
  readonly descriptor: Descriptor;
  /** `org.opencontainers.image.ref.name`, when the entry has one. */
  readonly ref: string | undefined;
}

/** An image to place in a layout, under a reference name. */
export interface LayoutImage {
  readonly content: ImageContent;
  readonly ref: string;
  /** Extra index-descriptor annotations (e.g. where a pulled image came from). */
  readonly annotations?: Readonly<Record<string, string>>;
}

export function blobPath(dir: string, digest: Digest): string {
  return path.join(dir, "blobs", "sha256", digestHex(digest));
}

function manifestDescriptor(image: LayoutImage): Descriptor {
  return {
    mediaType: image.content.manifest.mediaType,
    digest: image.content.manifestDigest,
    size: image.content.manifestBytes.byteLength,
    annotations: { ...image.annotations, [ANNOTATION_REF_NAME]: image.ref },
  };
}

function indexBytes(manifests: readonly Descriptor[]): string {
  const index: ImageIndex = { schemaVersion: 2, mediaType: MEDIA_TYPE_INDEX, manifests };
  return `${canonicalJson(index)}\n`;
}

async function writeBlobs(dir: string, content: ImageContent): Promise<void> {
  const all: [Digest, Uint8Array][] = [[content.manifestDigest, content.manifestBytes], ...content.blobs];
  for (const [digest, bytes] of all) {
    const target = blobPath(dir, digest);
    // Content addressed: a blob already present under its digest holds exactly these bytes.
    const present = await stat(target).then(
      (s) => s.size === bytes.byteLength,
      () => false,
    );
    if (!present) await writeFileAtomic(target, bytes);
  }
}

/** Writes a layout holding exactly `images`, replacing `dir` as a whole (readers never see it half-written). */
export async function writeLayout(dir: string, images: readonly LayoutImage[]): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(path.join(tmp, "oci-layout"), LAYOUT_MARKER);
    for (const image of images) await writeBlobs(tmp, image.content);
    await writeFileAtomic(path.join(tmp, "index.json"), indexBytes(images.map(manifestDescriptor)));
  });
}

export async function isLayout(dir: string): Promise<boolean> {
  return stat(path.join(dir, "oci-layout")).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Reads index.json. A missing layout reads as empty, so a fresh store needs no setup. */
export async function readLayoutEntries(dir: string): Promise<LayoutEntry[]> {
  if (!(await isLayout(dir))) return [];
  const file = path.join(dir, "index.json");
  const text = await readFile(file).catch(() => undefined);
  if (text === undefined) return [];
  const index = parseImageIndex(text, file);
  return index.manifests.map((d) => ({ descriptor: d, ref: d.annotations?.[ANNOTATION_REF_NAME] }));
}

/**
 * Largest blob read into memory. Wasm modules are KiB to a few MiB; anything bigger than this
 * is not a container a device can run, and Node cannot hold a file over 2 GiB in one buffer.
 */
export const MAX_BLOB_IN_MEMORY = 256 * 1024 * 1024;

/**
 * Reads a blob and checks it against its digest (a layout on disk can be damaged too) and, when
 * given, the size its descriptor declares. The size is checked before reading, so an oversized
 * blob costs nothing.
 */
export async function readBlob(dir: string, digest: Digest, expectedSize?: number): Promise<Uint8Array> {
  const file = blobPath(dir, digest);
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR")
      throw new OcreError("OCRE_OCI_BLOB_MISSING", `blob ${digest} is missing from the layout ${dir}`, {
        cause: error,
        hint: "the layout is incomplete; rebuild (`ocre build`) or pull the image again",
      });
    throw fileError(error, file);
  });
  if (expectedSize !== undefined && info.size !== expectedSize) {
    throw new OcreError(
      "OCRE_OCI_DIGEST_MISMATCH",
      `blob ${digest} in ${dir} is ${info.size} bytes, but its descriptor says ${expectedSize}`,
      { hint: "the layout is damaged; remove the image and pull or import it again" },
    );
  }
  if (info.size > MAX_BLOB_IN_MEMORY) {
    throw new OcreError(
      "OCRE_OCI_BLOB_TOO_LARGE",
      `blob ${digest} in ${dir} is ${info.size} bytes, over the ${MAX_BLOB_IN_MEMORY}-byte limit for a container`,
      { hint: "a Wasm container for a device is KiB to a few MiB; this is not an ocre image" },
    );
  }
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw fileError(error, file);
  });
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  verifyDigest(view, digest, `blob ${digest} in ${dir}`);
  return view;
}

/** Parses an image manifest (strictly: see documents.ts). */
export function parseManifest(bytes: Uint8Array, what: string): ImageManifest {
  return parseImageManifest(bytes, what);
}

const MANIFEST_TYPES = new Set([MEDIA_TYPE_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]);

/** Whether an index.json entry names an image manifest (rather than a nested index or an artifact ocre cannot run). */
export function isImageEntry(entry: LayoutEntry): boolean {
  return MANIFEST_TYPES.has(entry.descriptor.mediaType);
}

function notAnImage(dir: string, descriptor: Descriptor): OcreError {
  return new OcreError(
    "OCRE_OCI_NOT_AN_IMAGE",
    `${descriptor.digest} in ${dir} is ${descriptor.mediaType.slice(0, 200)}, not an image manifest`,
    { hint: "name the wasm image inside it by its own digest" },
  );
}

/** Reads one image (manifest + every blob), verifying each digest. */
export async function readLayoutImage(dir: string, descriptor: Descriptor): Promise<ImageContent> {
  if (!MANIFEST_TYPES.has(descriptor.mediaType)) throw notAnImage(dir, descriptor);
  const manifestBytes = await readBlob(dir, descriptor.digest, descriptor.size);
  const manifest = parseManifest(manifestBytes, `manifest ${descriptor.digest} in ${dir}`);
  const blobs = new Map<Digest, Uint8Array>();
  for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, await readBlob(dir, d.digest, d.size));
  return { manifest, manifestBytes, manifestDigest: descriptor.digest, blobs };
}

const LOCK_NAME = ".ocre-lock";
/** A lock older than this was left by a process that died; it is taken over. */
const STALE_LOCK_MS = 60_000;

/**
 * Serialises changes to a shared layout (the user store: two CI jobs pulling at once), so that
 * no index.json update is lost and garbage collection never deletes blobs another writer has
 * just added. mkdir is atomic, so the lock is a directory.
 */
async function withLayoutLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, LOCK_NAME);
  for (let waited = 0; ; waited += 25) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rmdir(lock).catch(() => undefined);
      else if (waited > 2 * STALE_LOCK_MS) {
        throw new OcreError("OCRE_OCI_LAYOUT_LOCKED", `${dir} is locked by another ocre process`, {
          hint: `if no other ocre is running, remove ${lock}`,
        });
      } else await sleep(25);
    }
  }
  try {
    return await work();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

/**
 * Adds (or re-points) images in a layout: blobs first, index.json last and atomically, so an
 * interrupted write leaves at most unreferenced blobs, never an index naming missing content.
 */
export async function addToLayout(dir: string, images: readonly LayoutImage[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await withLayoutLock(dir, () => addLocked(dir, images));
}

async function addLocked(dir: string, images: readonly LayoutImage[]): Promise<void> {
  if (!(await isLayout(dir))) await writeFileAtomic(path.join(dir, "oci-layout"), LAYOUT_MARKER);
  for (const image of images) await writeBlobs(dir, image.content);
  const refs = new Set(images.map((i) => i.ref));
  const kept = (await readLayoutEntries(dir))
    .filter((e) => e.ref === undefined || !refs.has(e.ref))
    .map((e) => e.descriptor);
  await writeFileAtomic(path.join(dir, "index.json"), indexBytes([...kept, ...images.map(manifestDescriptor)]));
}

/** sha256 of a file, streamed (blobs can be bigger than we want in memory). */
export async function hashFile(file: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest("hex")}`, size };
}

/** An image whose blobs are already verified files on disk (an import's or a pull's staging). */
export interface StagedImage {
  readonly ref: string;
  /** The manifest's descriptor (media type, digest, size), as index.json will list it. */
  readonly descriptor: Descriptor;
  /** Extra index-descriptor annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Adds images whose blobs are verified files (`files`: digest → path) to a layout, streaming:
 * nothing is held in memory. Blobs go in first (moved when on the same filesystem, else
 * copied), each through a temp sibling and a rename; a blob already present is re-hashed and
 * replaced when damaged. index.json is rewritten last, atomically, under the layout lock.
 */
export async function addStagedToLayout(
  dir: string,
  images: readonly StagedImage[],
  files: ReadonlyMap<Digest, string>,
): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw fileError(error, dir, "cannot create");
  });
  await withLayoutLock(dir, async () => {
    if (!(await isLayout(dir))) await writeFileAtomic(path.join(dir, "oci-layout"), LAYOUT_MARKER);
    for (const [digest, file] of files) {
      const target = blobPath(dir, digest);
      const present = await hashFile(target).then(
        (h) => h.digest === digest,
        () => false,
      );
      if (present) continue;
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = tempSibling(target);
      try {
        await rename(file, tmp).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== "EXDEV") throw error;
          await copyFile(file, tmp);
        });
        await rename(tmp, target);
      } catch (error) {
        await rm(tmp, { force: true });
        throw fileError(error, target, "cannot write");
      }
    }
    const refs = new Set(images.map((i) => i.ref));
    const kept = (await readLayoutEntries(dir))
      .filter((e) => e.ref === undefined || !refs.has(e.ref))
      .map((e) => e.descriptor);
    const added = images.map((i) => ({
      mediaType: i.descriptor.mediaType,
      digest: i.descriptor.digest,
      size: i.descriptor.size,
      annotations: { ...i.annotations, [ANNOTATION_REF_NAME]: i.ref },
    }));
    await writeFileAtomic(path.join(dir, "index.json"), indexBytes([...kept, ...added])).catch((error: unknown) => {
      throw fileError(error, path.join(dir, "index.json"), "cannot write");
    });
  });
}

/** Adds the blobs `d` reaches (an index's children, a manifest's config and layers) to `live`. */
async function markLive(dir: string, d: Descriptor, live: Set<string>, depth: number): Promise<void> {
  live.add(d.digest);
  if (d.mediaType === MEDIA_TYPE_INDEX || d.mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST) {
    if (depth > 4) throw new OcreError("OCRE_OCI_INVALID", `${dir}: indexes nest more than 4 deep`);
    const index = parseImageIndex(await readBlob(dir, d.digest, d.size), `index ${d.digest} in ${dir}`);
    for (const child of index.manifests) {
      // A child the layout does not hold (another platform) has nothing to keep.
      if (
        !(await stat(blobPath(dir, child.digest)).then(
          () => true,
          () => false,
        ))
      )
        continue;
      await markLive(dir, child, live, depth + 1);
    }
    return;
  }
  const manifest = parseManifest(await readBlob(dir, d.digest, d.size), `manifest ${d.digest} in ${dir}`);
  for (const blob of [manifest.config, ...manifest.layers]) live.add(blob.digest);
}

/**
 * Removes index entries, then deletes blobs no remaining manifest references. Returns the number
 * of blobs deleted.
 */
export async function removeFromLayout(dir: string, remove: (entry: LayoutEntry) => boolean): Promise<number> {
  return withLayoutLock(dir, () => removeLocked(dir, remove));
}

async function removeLocked(dir: string, remove: (entry: LayoutEntry) => boolean): Promise<number> {
  const entries = await readLayoutEntries(dir);
  const kept = entries.filter((e) => !remove(e));
  await writeFileAtomic(path.join(dir, "index.json"), indexBytes(kept.map((e) => e.descriptor)));
  const live = new Set<string>();
  try {
    for (const entry of kept) await markLive(dir, entry.descriptor, live, 0);
  } catch (error) {
    // An entry that cannot be read might use any blob: delete none rather than guess.
    if (error instanceof OcreError) return 0;
    throw error;
  }
  const blobDir = path.join(dir, "blobs", "sha256");
  let removed = 0;
  for (const name of await readdir(blobDir).catch(() => [] as string[])) {
    const digest = `sha256:${name}`;
    if (isDigest(digest) && !live.has(digest)) {
      await rm(path.join(blobDir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
