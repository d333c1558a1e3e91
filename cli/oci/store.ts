import os from "node:os";
import path from "node:path";
import { OcreError } from "../errors.js";
import { isDigest } from "./digest.js";
import type { Descriptor, ImageManifest } from "./image-types.js";
import { parseImageIndex } from "./documents.js";
import { isLayout, parseManifest, readBlob, readLayoutEntries, type LayoutEntry } from "./layout.js";
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_MANIFEST,
} from "./media-types.js";
import { OCI_TITLE, OCI_VERSION } from "./annotations.js";
import { isSignatureRef } from "../sign/tag.js";

/**
 * Where local images live. `ocre build` writes the app's own image to `<app>/build/oci`; `ocre
 * pull` and `ocre image import` put images in the user store, `$OCRE_IMAGE_STORE`, else
 * `$XDG_DATA_HOME/ocre/oci`, else `~/.local/share/ocre/oci`. `--layout <dir>` replaces both with
 * one layout.
 */
export interface StoreOptions {
  /** Directory the command runs in (the app directory). */
  readonly cwd: string;
  /** Use only this OCI image layout. */
  readonly layout?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

export function userStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OCRE_IMAGE_STORE) return path.resolve(env.OCRE_IMAGE_STORE);
  const dataHome =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(os.homedir(), ".local", "share");
  return path.join(dataHome, "ocre", "oci");
}

export function appLayoutDir(cwd: string): string {
  return path.join(cwd, "build", "oci");
}

/** The layouts searched for a reference, in order: the app's build output first, then the user store. */
export function searchLayouts(options: StoreOptions): string[] {
  if (options.layout !== undefined) return [path.resolve(options.cwd, options.layout)];
  return [appLayoutDir(options.cwd), userStoreDir(options.env)];
}

/** Where pull and import write (the user store unless --layout says otherwise). */
export function writableLayout(options: StoreOptions): string {
  return options.layout !== undefined ? path.resolve(options.cwd, options.layout) : userStoreDir(options.env);
}

export interface LocalImage {
  readonly layout: string;
  /** The layout's reference name for it (a tag in a build layout, a full reference in the store). */
  readonly ref: string | undefined;
  /** The image manifest's descriptor (for an index entry: the Wasm image it stands for). */
  readonly descriptor: Descriptor;
  readonly manifest: ImageManifest;
  /** Manifest + config + layers, in bytes. */
  readonly size: number;
  /** "title:version" from the manifest annotations, when it has them. */
  readonly name: string | undefined;
  /** The index.json entry when it is an image index standing for this image. */
  readonly via?: Descriptor;
}

/** An index.json entry that could not be read as an image; listed, never fatal to the others. */
export interface SkippedEntry {
  readonly layout: string;
  readonly ref: string | undefined;
  readonly digest: string;
  readonly error: OcreError;
}

export interface LayoutListing {
  readonly images: LocalImage[];
  readonly skipped: SkippedEntry[];
}

const MANIFEST_TYPES = new Set([MEDIA_TYPE_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]);
const INDEX_TYPES = new Set([MEDIA_TYPE_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST]);

/** The image an index entry stands for: the one whose platform says wasm, or its only entry. */
async function wasmChild(layout: string, index: Descriptor): Promise<Descriptor> {
  const parsed = parseImageIndex(
    await readBlob(layout, index.digest, index.size),
    `index ${index.digest} in ${layout}`,
  );
  const wasm = parsed.manifests.filter((m) => m.platform?.architecture === "wasm");
  const candidates = (wasm.length > 0 ? wasm : parsed.manifests).filter((m) => MANIFEST_TYPES.has(m.mediaType));
  if (candidates.length !== 1) {
    throw new OcreError(
      "OCRE_OCI_INDEX_AMBIGUOUS",
      `index ${index.digest} in ${layout} holds ${parsed.manifests.length} entries and none is uniquely the wasm image`,
      { hint: "name the wanted image by its manifest digest" },
    );
  }
  return candidates[0] as Descriptor;
}

async function imageOf(layout: string, entry: LayoutEntry): Promise<LocalImage> {
  const { descriptor: listed } = entry;
  let descriptor = listed;
  let via: Descriptor | undefined;
  if (INDEX_TYPES.has(listed.mediaType)) {
    via = listed;
    descriptor = await wasmChild(layout, listed);
  } else if (!MANIFEST_TYPES.has(listed.mediaType)) {
    throw new OcreError(
      "OCRE_OCI_NOT_AN_IMAGE",
      `${listed.digest} in ${layout} is ${listed.mediaType.slice(0, 200)}, not an image`,
      { hint: "ocre lists images and indexes of images; this entry is something else" },
    );
  }
  const manifest = parseManifest(
    await readBlob(layout, descriptor.digest, descriptor.size),
    `manifest ${descriptor.digest} in ${layout}`,
  );
  const size = descriptor.size + manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
  const title = manifest.annotations?.[OCI_TITLE];
  const version = manifest.annotations?.[OCI_VERSION];
  const name = title === undefined ? undefined : version === undefined ? title : `${title}:${version}`;
  return { layout, ref: entry.ref, descriptor, manifest, size, name, ...(via === undefined ? {} : { via }) };
}

/**
 * Every image of a layout. An entry that cannot be read (a damaged manifest, an index without
 * a unique Wasm image, an artifact of another kind) is set aside in `skipped`, so one bad entry
 * never hides or breaks the others.
 */
async function imagesIn(layout: string): Promise<LayoutListing> {
  const images: LocalImage[] = [];
  const skipped: SkippedEntry[] = [];
  for (const entry of await readLayoutEntries(layout)) {
    // A signature (cosign's sha256-<hex>.sig) travels with its image but is not one.
    if (isSignatureRef(entry.ref)) continue;
    try {
      images.push(await imageOf(layout, entry));
    } catch (error) {
      if (!(error instanceof OcreError)) throw error;
      skipped.push({ layout, ref: entry.ref, digest: entry.descriptor.digest, error });
    }
  }
  return { images, skipped };
}

/** Every local image, with the entries that could not be read. */
export async function listLayouts(options: StoreOptions): Promise<LayoutListing> {
  const images: LocalImage[] = [];
  const skipped: SkippedEntry[] = [];
  for (const layout of searchLayouts(options)) {
    const listing = await imagesIn(layout);
    images.push(...listing.images);
    skipped.push(...listing.skipped);
  }
  return { images, skipped };
}

export async function listImages(options: StoreOptions): Promise<LocalImage[]> {
  return (await listLayouts(options)).images;
}

/** Splits an explicit layout reference: `oci:DIR[:REF]`, or a path to a layout directory. */
async function explicitLayout(
  text: string,
  cwd: string,
): Promise<{ layout: string; ref: string | undefined } | undefined> {
  if (text.startsWith("oci:")) {
    const rest = text.slice(4);
    const colon = rest.indexOf(":");
    const dir = colon < 0 ? rest : rest.slice(0, colon);
    return { layout: path.resolve(cwd, dir), ref: colon < 0 ? undefined : rest.slice(colon + 1) };
  }
  if (
    (text.startsWith(".") || text.startsWith("/") || text.includes(path.sep)) &&
    (await isLayout(path.resolve(cwd, text)))
  ) {
    return { layout: path.resolve(cwd, text), ref: undefined };
  }
  return undefined;
}

function matches(image: LocalImage, wanted: string): boolean {
  if (isDigest(wanted)) return image.descriptor.digest === wanted || image.via?.digest === wanted;
  if (/^(sha256:)?[a-f0-9]{6,64}$/.test(wanted))
    return image.descriptor.digest.startsWith(wanted.startsWith("sha256:") ? wanted : `sha256:${wanted}`);
  if (image.ref === wanted || image.name === wanted) return true;
  // A reference without a tag means ":latest", as with docker and skopeo.
  return !/:[^/]+$/.test(wanted) && image.ref === `${wanted}:latest`;
}

/**
 * Finds one local image. `wanted` is a reference name or tag, "title:version", a digest (or a
 * unique prefix of at least 6 hex digits), `oci:DIR[:REF]` or a layout directory. Without
 * `wanted`, the searched layouts must hold exactly one image (the app's own, after `ocre build`).
 */
export async function resolveLocalImage(wanted: string | undefined, options: StoreOptions): Promise<LocalImage> {
  const explicit = wanted === undefined ? undefined : await explicitLayout(wanted, options.cwd);
  const layouts = explicit ? [explicit.layout] : searchLayouts(options);
  const target = explicit ? explicit.ref : wanted;
  const images: LocalImage[] = [];
  const skipped: SkippedEntry[] = [];
  // Without a name only the first layout (the app's own build) counts: the store is not read.
  for (const layout of target === undefined ? layouts.slice(0, 1) : layouts) {
    const listing = await imagesIn(layout);
    images.push(...listing.images);
    skipped.push(...listing.skipped);
  }
  if (target === undefined) {
    const first = layouts[0] as string;
    const own = images.filter((i) => i.layout === first);
    if (own.length === 1) return own[0] as LocalImage;
    throw new OcreError(
      "OCRE_IMAGE_NOT_FOUND",
      own.length === 0 ? `no image in ${first}` : `${first} holds ${own.length} images; name one`,
      {
        hint:
          own.length === 0
            ? "run `ocre build` in the app directory first, or name an image (`ocre image ls` lists them)"
            : `one of: ${own.map((i) => i.ref ?? i.descriptor.digest).join(", ")}`,
      },
    );
  }
  const found = images.find((image) => matches(image, target));
  if (found) return found;
  // The wanted entry exists but cannot be read: say why, rather than "not found".
  const broken = skipped.find((e) => e.ref === target || e.digest === target);
  if (broken) throw broken.error;
  const known = images.flatMap((i) => [i.ref, i.name].filter((n): n is string => n !== undefined));
  // Loaded only for this error: a push that finds its image does not pay for it.
  const { didYouMean } = await import("../util/suggest.js");
  const suggestion = didYouMean(target, known);
  throw new OcreError("OCRE_IMAGE_NOT_FOUND", `no local image "${target}" in ${layouts.join(" or ")}`, {
    hint: suggestion || "`ocre image ls` lists local images; `ocre pull` fetches one from a registry",
  });
}
