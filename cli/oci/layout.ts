import { mkdir, readFile, readdir, rm, rmdir, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import { OcreError } from "../errors.js";
import { writeDirAtomic, writeFileAtomic } from "../util/atomic.js";
import { canonicalJson } from "./canonical-json.js";
import { digestHex, isDigest, parseDigest, verifyDigest, type Digest } from "./digest.js";
import type { Descriptor, ImageContent, ImageIndex, ImageManifest } from "./image-types.js";
import {
  ANNOTATION_REF_NAME,
  MEDIA_TYPE_DOCKER_MANIFEST,
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

function parseJson<T>(bytes: Uint8Array | string, what: string): T {
  try {
    return JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes)) as T;
  } catch (error) {
    throw new OcreError("OCRE_OCI_INVALID", `${what} is not valid JSON`, {
      cause: error,
      hint: "the image is damaged; rebuild or pull it again",
    });
  }
}

/** Reads index.json. A missing layout reads as empty, so a fresh store needs no setup. */
export async function readLayoutEntries(dir: string): Promise<LayoutEntry[]> {
  if (!(await isLayout(dir))) return [];
  const text = await readFile(path.join(dir, "index.json"), "utf8").catch(() => undefined);
  if (text === undefined) return [];
  const index = parseJson<Partial<ImageIndex>>(text, path.join(dir, "index.json"));
  if (!Array.isArray(index.manifests)) {
    throw new OcreError("OCRE_OCI_INVALID", `${path.join(dir, "index.json")} has no "manifests" list`, {
      hint: "the layout is damaged; rebuild or pull the image again",
    });
  }
  return index.manifests.map((d) => {
    parseDigest(String(d.digest), `${path.join(dir, "index.json")}`);
    return { descriptor: d, ref: d.annotations?.[ANNOTATION_REF_NAME] };
  });
}

/** Reads a blob and checks it against its digest (a layout on disk can be damaged too). */
export async function readBlob(dir: string, digest: Digest): Promise<Uint8Array> {
  const bytes = await readFile(blobPath(dir, digest)).catch((error: NodeJS.ErrnoException) => {
    throw new OcreError("OCRE_OCI_BLOB_MISSING", `blob ${digest} is missing from the layout ${dir}`, {
      cause: error,
      hint: "the layout is incomplete; rebuild (`ocre build`) or pull the image again",
    });
  });
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  verifyDigest(view, digest, `blob ${digest} in ${dir}`);
  return view;
}

export function parseManifest(bytes: Uint8Array, what: string): ImageManifest {
  const manifest = parseJson<ImageManifest>(bytes, what);
  const mediaType = manifest.mediaType ?? MEDIA_TYPE_MANIFEST;
  if (
    manifest.schemaVersion !== 2 ||
    (mediaType !== MEDIA_TYPE_MANIFEST && mediaType !== MEDIA_TYPE_DOCKER_MANIFEST) ||
    !manifest.config ||
    !Array.isArray(manifest.layers)
  ) {
    throw new OcreError("OCRE_OCI_INVALID", `${what} is not an image manifest (media type ${mediaType})`, {
      hint: "ocre handles single-image manifests; an index must name a wasm image",
    });
  }
  parseDigest(String(manifest.config.digest), `${what} config`);
  for (const layer of manifest.layers) parseDigest(String(layer.digest), `${what} layer`);
  return { ...manifest, mediaType };
}

/** Reads one image (manifest + every blob), verifying each digest. */
export async function readLayoutImage(dir: string, descriptor: Descriptor): Promise<ImageContent> {
  const manifestBytes = await readBlob(dir, descriptor.digest);
  const manifest = parseManifest(manifestBytes, `manifest ${descriptor.digest}`);
  const blobs = new Map<Digest, Uint8Array>();
  for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, await readBlob(dir, d.digest));
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
  for (const entry of kept) {
    live.add(entry.descriptor.digest);
    const manifest = parseManifest(await readBlob(dir, entry.descriptor.digest), `manifest ${entry.descriptor.digest}`);
    for (const d of [manifest.config, ...manifest.layers]) live.add(d.digest);
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
