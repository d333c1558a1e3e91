import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, open, readdir, rename, rm, rmdir, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { OcreError } from "../errors.js";
import { fileError } from "../util/fs-errors.js";
import { digestHex, isDigest, sha256Digest, verifyDigest, type Digest } from "./digest.js";
import { MAX_MANIFEST_BYTES, parseImageManifest, parseManifestDocument } from "./documents.js";
import type { Descriptor, ImageContent, ImageIndex, ImageManifest } from "./image-types.js";
import { addToLayout, blobPath, type LayoutImage } from "./layout.js";
import { MANIFEST_ACCEPT } from "./media-types.js";
import { formatReference, type RemoteReference } from "./reference.js";
import {
  checkNameLength,
  RegistryClient,
  registryErrorText,
  type RegistryOptions,
  type RegistryResponse,
} from "./registry-client.js";

export interface PullProgress {
  readonly digest: Digest;
  readonly done: number;
  readonly total: number;
}

export interface PullOptions extends RegistryOptions {
  readonly onProgress?: (progress: PullProgress) => void;
}

/**
 * A check that runs once the manifest's digest is known and before any blob is fetched (the
 * signature check of `pull --verify-key`): it refuses the image by throwing, so nothing is
 * downloaded or written, and returns images to store with it in the same index update (its
 * signatures).
 */
export type PullVetting = (client: RegistryClient, digest: Digest) => Promise<readonly LayoutImage[]>;

/** What a pull did with one blob: already in the store and verified, fetched, or fetched to replace a damaged copy. */
export type PulledBlobAction = "present" | "downloaded" | "repaired";

export interface PulledBlob {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly size: number;
  readonly action: PulledBlobAction;
}

export interface PullResult {
  readonly ref: string;
  readonly digest: Digest;
  readonly mediaType: string;
  readonly manifestSize: number;
  /** Manifest plus blobs, in bytes. */
  readonly size: number;
  readonly blobs: readonly PulledBlob[];
  readonly layout: string;
}

/** The index entry a pull writes: the reference name and the extra annotations (where it came from). */
export interface PullEntry {
  readonly ref: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

function failure(res: RegistryResponse | { status: number; body: Uint8Array }, what: string, ref: string): OcreError {
  const detail = registryErrorText(res.body);
  if (res.status === 404) {
    return new OcreError("OCRE_REGISTRY_NOT_FOUND", `${ref}: ${what} not found (404${detail ? `, ${detail}` : ""})`, {
      hint: "check the repository name and tag; the registry's tag list is at /v2/<repository>/tags/list",
    });
  }
  if (res.status === 403)
    return new OcreError(
      "OCRE_REGISTRY_DENIED",
      `${ref}: access to ${what} denied (403${detail ? `, ${detail}` : ""})`,
      { hint: "ask for pull access to this repository" },
    );
  return new OcreError(
    "OCRE_REGISTRY_PROTOCOL",
    `${ref}: fetching ${what} answered ${res.status}${detail ? ` (${detail})` : ""}`,
    { hint: "run with --verbose to see the exchange" },
  );
}

function sizeMismatch(what: string, got: string, declared: number): OcreError {
  return new OcreError("OCRE_OCI_DIGEST_MISMATCH", `${what} is ${got} bytes, but its descriptor says ${declared}`, {
    hint: "the content was corrupted or tampered with on the way; nothing was written. Retry, and if it persists check the registry or proxy in between",
  });
}

/** Picks the Wasm image from an index (its platform says wasm, or it is the only entry). */
function pickFromIndex(index: ImageIndex, ref: string): Descriptor {
  const wasm = index.manifests.filter((m) => m.platform?.architecture === "wasm");
  const candidates = wasm.length > 0 ? wasm : index.manifests;
  const [only] = candidates;
  if (candidates.length !== 1 || only === undefined) {
    throw new OcreError(
      "OCRE_OCI_INDEX_AMBIGUOUS",
      `${ref} is an index of ${index.manifests.length} images and none is uniquely the wasm one`,
      { hint: "pull the wanted image by its digest (<repository>@sha256:…)" },
    );
  }
  return only;
}

interface FetchedManifest {
  readonly bytes: Uint8Array;
  readonly digest: Digest;
  readonly manifest: ImageManifest;
}

/**
 * GETs a manifest (or index), never reading more than its descriptor declares (when an index or
 * the reference's digest gave one) or the 4 MiB registries allow, and checks it against every
 * digest it should have.
 */
async function getDocument(
  client: RegistryClient,
  target: RemoteReference,
  reference: string,
  expected: { digest: Digest; size: number | undefined } | undefined,
  scopes: readonly string[],
  ref: string,
): Promise<{ bytes: Uint8Array; digest: Digest; contentType: string }> {
  const what = expected ? `manifest ${expected.digest} of ${ref}` : `manifest of ${ref}`;
  const limit = Math.min(expected?.size ?? MAX_MANIFEST_BYTES, MAX_MANIFEST_BYTES);
  const res = await client.request("GET", `/v2/${target.repository}/manifests/${reference}`, {
    scopes,
    headers: { accept: MANIFEST_ACCEPT },
    operation: `fetching the ${what}`,
    maxBody: limit,
    tooLarge: (size) =>
      expected?.size !== undefined && expected.size <= MAX_MANIFEST_BYTES
        ? sizeMismatch(what, size === undefined ? "more than that" : String(size), expected.size)
        : new OcreError(
            "OCRE_OCI_INVALID",
            `${what} is ${size === undefined ? "over" : `${size} bytes, over`} the ${MAX_MANIFEST_BYTES}-byte limit registries keep manifests under`,
            { hint: "this is not an image ocre (or a registry) would write; check the reference" },
          ),
  });
  if (res.status !== 200) throw failure(res, expected ? `manifest ${expected.digest}` : `tag "${reference}"`, ref);
  const bytes = res.body;
  if (expected?.size !== undefined && bytes.byteLength !== expected.size)
    throw sizeMismatch(what, String(bytes.byteLength), expected.size);
  if (expected !== undefined) verifyDigest(bytes, expected.digest, what);
  const digest = sha256Digest(bytes);
  const announced = res.headers.get("docker-content-digest");
  if (announced !== null && isDigest(announced) && announced !== digest) verifyDigest(bytes, announced, what);
  const contentType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  return { bytes, digest, contentType };
}

/** The image manifest a reference names, through an index if it names one. */
async function resolveManifest(
  client: RegistryClient,
  target: RemoteReference,
  scopes: readonly string[],
  ref: string,
): Promise<FetchedManifest> {
  const first = await getDocument(
    client,
    target,
    target.digest ?? (target.tag as string),
    target.digest === undefined ? undefined : { digest: target.digest, size: undefined },
    scopes,
    ref,
  );
  const document = parseManifestDocument(first.bytes, `manifest of ${ref}`, first.contentType);
  if (document.kind === "manifest") return { bytes: first.bytes, digest: first.digest, manifest: document.manifest };
  const chosen = pickFromIndex(document.index, ref);
  const second = await getDocument(client, target, chosen.digest, chosen, scopes, ref);
  return {
    bytes: second.bytes,
    digest: second.digest,
    manifest: parseImageManifest(second.bytes, `manifest ${chosen.digest} of ${ref}`),
  };
}

/** Where a downloaded blob goes; `reset` starts it over (a retried download). */
interface BlobSink {
  reset(): Promise<void>;
  write(chunk: Buffer): Promise<void>;
}

class MemorySink implements BlobSink {
  private chunks: Buffer[] = [];
  async reset(): Promise<void> {
    this.chunks = [];
  }
  async write(chunk: Buffer): Promise<void> {
    this.chunks.push(chunk);
  }
  bytes(): Uint8Array {
    const joined = Buffer.concat(this.chunks);
    return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  }
}

class FileSink implements BlobSink {
  private handle: FileHandle | undefined;
  constructor(readonly file: string) {}
  async reset(): Promise<void> {
    await this.close();
    this.handle = await open(this.file, "w");
  }
  async write(chunk: Buffer): Promise<void> {
    await (this.handle as FileHandle).write(chunk);
  }
  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

/**
 * Streams one blob into `sink`, hashing as it goes: never more bytes than the descriptor declares
 * (a longer Content-Length is refused before reading), and the size and digest checked at the end.
 * Memory stays at one chunk whatever the blob's size.
 */
async function downloadBlob(
  client: RegistryClient,
  target: RemoteReference,
  d: Descriptor,
  scopes: readonly string[],
  ref: string,
  sink: BlobSink,
  onProgress: PullOptions["onProgress"],
): Promise<void> {
  const what = `blob ${d.digest} of ${ref}`;
  const res = await client.download(
    `/v2/${target.repository}/blobs/${d.digest}`,
    { scopes, operation: `fetching ${what}` },
    async (response) => {
      await sink.reset();
      const length = response.headers.get("content-length");
      if (length !== null && Number(length) !== d.size) {
        response.body.destroy();
        throw sizeMismatch(what, length, d.size);
      }
      const hash = createHash("sha256");
      let done = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        done += chunk.byteLength;
        if (done > d.size) {
          response.body.destroy();
          throw sizeMismatch(what, "more than that", d.size);
        }
        hash.update(chunk);
        await sink.write(chunk);
        onProgress?.({ digest: d.digest, done, total: d.size });
      }
      if (done !== d.size) throw sizeMismatch(what, String(done), d.size);
      const actual = `sha256:${hash.digest("hex")}`;
      if (actual !== d.digest) {
        throw new OcreError(
          "OCRE_OCI_DIGEST_MISMATCH",
          `${what} does not match its digest: expected ${d.digest}, got ${actual}`,
          {
            hint: "the content was corrupted or tampered with on the way; nothing was written. Retry, and if it persists check the registry or proxy in between",
          },
        );
      }
    },
  );
  if (res.status !== 200) throw failure(res, `blob ${d.digest}`, ref);
}

/**
 * Fetches an image into memory with an open client, checking every manifest and blob against its
 * digest and size as it arrives (`ocre build --from-image`). Each body is bounded by what its
 * descriptor declares.
 */
export async function fetchWithClient(
  client: RegistryClient,
  target: RemoteReference,
  options: PullOptions = {},
): Promise<ImageContent> {
  checkNameLength(target);
  const ref = formatReference(target);
  const scopes = [`repository:${target.repository}:pull`];
  const { bytes, digest, manifest } = await resolveManifest(client, target, scopes, ref);
  const blobs = new Map<Digest, Uint8Array>();
  for (const d of [manifest.config, ...manifest.layers]) {
    const sink = new MemorySink();
    await downloadBlob(client, target, d, scopes, ref, sink, options.onProgress);
    blobs.set(d.digest, sink.bytes());
  }
  return { manifest, manifestBytes: bytes, manifestDigest: digest, blobs };
}

/** Connects, fetches and verifies one image into memory, and closes. */
export async function fetchImage(target: RemoteReference, options: PullOptions = {}): Promise<ImageContent> {
  checkNameLength(target);
  const client = await RegistryClient.connect(target.registry, options);
  try {
    return await fetchWithClient(client, target, options);
  } finally {
    await client.close();
  }
}

/** Whether a store file holds exactly the blob `d` names (hashed as a stream). */
async function storedBlob(
  file: string,
  d: Pick<Descriptor, "digest" | "size">,
): Promise<"match" | "missing" | "mismatch"> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) return "missing";
  if (!info.isFile() || info.size !== d.size) return "mismatch";
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest("hex")}` === d.digest ? "match" : "mismatch";
}

const STAGING_PREFIX = ".ocre-pull-";

/** Removes the staging folders of pulls that were killed (their process is gone). */
async function sweepStaleStaging(layout: string): Promise<void> {
  for (const name of await readdir(layout).catch(() => [] as string[])) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(name.slice(STAGING_PREFIX.length).split("-")[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    await rm(path.join(layout, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the empty folders a failed pull created, from `dir` up to `created` (the first one mkdir made). */
async function removeCreated(dir: string, created: string): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    if (
      !(await rmdir(current).then(
        () => true,
        () => false,
      ))
    )
      return;
    if (current === created || path.dirname(current) === current) return;
  }
}

/**
 * Pulls an image into an OCI layout (the user store) with an open client, streaming each blob
 * to a staging file while hashing it, so memory stays flat whatever the image's size. Blobs the
 * layout already has are hashed again, and a damaged one (right size, wrong bytes) is fetched
 * again and replaced. Blobs move into place only once every one has verified, and the index
 * entry is written last, so a failed pull leaves no partial file and no entry naming an
 * incomplete image; folders it created are removed again.
 */
export async function pullWithClient(
  client: RegistryClient,
  target: RemoteReference,
  layout: string,
  entry: PullEntry,
  options: PullOptions & { readonly vet?: PullVetting } = {},
): Promise<PullResult> {
  checkNameLength(target);
  const ref = formatReference(target);
  const scopes = [`repository:${target.repository}:pull`];
  const { bytes, digest, manifest } = await resolveManifest(client, target, scopes, ref);
  const companions = (await options.vet?.(client, digest)) ?? [];
  const created = await mkdir(layout, { recursive: true }).catch((error: unknown) => {
    throw fileError(error, layout, "cannot create");
  });
  try {
    await sweepStaleStaging(layout);
    const staging = await mkdtemp(path.join(layout, `${STAGING_PREFIX}${process.pid}-`));
    try {
      const staged: { from: string; to: string }[] = [];
      const blobs: PulledBlob[] = [];
      for (const d of [manifest.config, ...manifest.layers]) {
        const final = blobPath(layout, d.digest);
        const state = await storedBlob(final, d);
        if (state === "match") {
          blobs.push({ digest: d.digest, mediaType: d.mediaType, size: d.size, action: "present" });
          continue;
        }
        if (state === "mismatch")
          options.logger?.debug(`${final} does not hold blob ${d.digest} (damaged); fetching it again`);
        const file = path.join(staging, digestHex(d.digest));
        const sink = new FileSink(file);
        try {
          await downloadBlob(client, target, d, scopes, ref, sink, options.onProgress);
        } finally {
          await sink.close();
        }
        staged.push({ from: file, to: final });
        blobs.push({
          digest: d.digest,
          mediaType: d.mediaType,
          size: d.size,
          action: state === "mismatch" ? "repaired" : "downloaded",
        });
      }
      // Every blob verified: move them in (a rename replaces a damaged copy atomically), then the
      // manifest and the index entry (addToLayout rewrites the manifest blob if it differs).
      await mkdir(path.join(layout, "blobs", "sha256"), { recursive: true });
      for (const { from, to } of staged) await rename(from, to);
      const manifestFile = blobPath(layout, digest);
      if ((await storedBlob(manifestFile, { digest, size: bytes.byteLength })) === "mismatch")
        await rm(manifestFile, { force: true });
      await addToLayout(layout, [
        {
          content: { manifest, manifestBytes: bytes, manifestDigest: digest, blobs: new Map() },
          ref: entry.ref,
          ...(entry.annotations === undefined ? {} : { annotations: entry.annotations }),
        },
        ...companions,
      ]);
      return {
        ref,
        digest,
        mediaType: manifest.mediaType,
        manifestSize: bytes.byteLength,
        size: bytes.byteLength + blobs.reduce((sum, b) => sum + b.size, 0),
        blobs,
        layout,
      };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } catch (error) {
    if (created !== undefined) await removeCreated(layout, created);
    // A store the user cannot write (permissions, a full disk) is a user error naming the path.
    throw fileError(error);
  }
}

/** Connects, pulls one image into `layout`, and closes. */
export async function pullImage(
  target: RemoteReference,
  layout: string,
  entry: PullEntry,
  options: PullOptions & { readonly vet?: PullVetting } = {},
): Promise<PullResult> {
  checkNameLength(target);
  const client = await RegistryClient.connect(target.registry, options);
  try {
    return await pullWithClient(client, target, layout, entry, options);
  } finally {
    await client.close();
  }
}
