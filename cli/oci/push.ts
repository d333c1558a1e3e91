import { setTimeout as sleep } from "node:timers/promises";
import { OcreError } from "../errors.js";
import type { Digest } from "./digest.js";
import type { ImageContent } from "./image-types.js";
import { formatReference, type RemoteReference } from "./reference.js";
import {
  checkNameLength,
  RegistryClient,
  registryErrorText,
  TransientRegistryError,
  type RegistryOptions,
  type RegistryResponse,
} from "./registry-client.js";

/** Bytes sent so far for one blob (for progress bars). */
export interface PushProgress {
  readonly digest: Digest;
  readonly done: number;
  readonly total: number;
}

export interface PushOptions extends RegistryOptions {
  /** Blobs larger than this go up in PATCH chunks of this size; smaller ones in one PUT (default 4 MiB). */
  readonly chunkSize?: number;
  /** Where the image's blobs already are: on the same registry, they are mounted instead of uploaded. */
  readonly mountFrom?: { readonly registry: string; readonly repository: string } | undefined;
  /** Parallel blob uploads (default 4). */
  readonly concurrency?: number;
  readonly onProgress?: (progress: PushProgress) => void;
}

export type BlobAction = "exists" | "mounted" | "uploaded";

export interface PushedBlob {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly size: number;
  readonly action: BlobAction;
}

export interface PushResult {
  /** Where the image went, "<registry>/<repository>:<tag>". */
  readonly ref: string;
  /** The manifest digest the registry stored (pull by `<repository>@<digest>`). */
  readonly digest: Digest;
  readonly mediaType: string;
  readonly manifestSize: number;
  /** Manifest plus blobs, in bytes. */
  readonly size: number;
  readonly blobs: readonly PushedBlob[];
  /** Blob bytes actually sent (0 when everything was present or mounted). */
  readonly uploadedBytes: number;
}

const DEFAULT_CHUNK = 4 * 1024 * 1024;

function unexpected(res: RegistryResponse, what: string, ref: string): OcreError {
  const detail = registryErrorText(res.body);
  if (res.status === 404) {
    return new OcreError(
      "OCRE_REGISTRY_NOT_FOUND",
      `${what} for ${ref}: 404 not found${detail ? ` (${detail})` : ""}`,
      { hint: "check the registry host and repository name" },
    );
  }
  if (res.status === 403) {
    return new OcreError("OCRE_REGISTRY_DENIED", `${what} for ${ref}: 403 denied${detail ? ` (${detail})` : ""}`, {
      hint: "your account may read but not write this repository; ask for push access",
    });
  }
  return new OcreError(
    "OCRE_REGISTRY_PROTOCOL",
    `${what} for ${ref}: unexpected ${res.status}${detail ? ` (${detail})` : ""}`,
    { hint: "the registry refused the request; run with --verbose to see the exchange" },
  );
}

/**
 * The upload session cannot go on: a range conflict (416), or the session is unknown or was
 * invalidated (404; distribution does that to a session whose PATCH was cut off mid-body).
 * The blob is uploaded again in a new session.
 */
class UploadRestart extends Error {
  constructor(status: number) {
    super(`the registry ended the upload session (${status})`);
    this.name = "UploadRestart";
  }
}

function restartable(res: RegistryResponse): boolean {
  return res.status === 416 || res.status === 404;
}

function withDigest(location: string, digest: Digest): string {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url.toString();
}

class BlobUploader {
  private readonly cancelling: Promise<unknown>[] = [];

  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
    private readonly ref: string,
    private readonly options: PushOptions,
    private readonly scopes: readonly string[],
  ) {}

  private blobPath(digest: Digest): string {
    return `/v2/${this.repository}/blobs/${digest}`;
  }

  private async exists(digest: Digest): Promise<boolean> {
    const res = await this.client.request("HEAD", this.blobPath(digest), {
      scopes: this.scopes,
      operation: `checking blob ${digest} of ${this.ref}`,
    });
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw unexpected(res, `checking blob ${digest}`, this.ref);
  }

  /** Opens an upload session (or mounts the blob and returns undefined). */
  private async start(digest: Digest, mount: boolean): Promise<string | undefined> {
    const from = this.options.mountFrom;
    const query =
      mount && from ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}` : "";
    const res = await this.client.request("POST", `/v2/${this.repository}/blobs/uploads/${query}`, {
      scopes: this.scopes,
      headers: { "content-length": "0" },
      operation: `starting the upload of blob ${digest} to ${this.ref}`,
    });
    if (res.status === 201 && query !== "") return undefined;
    const location = res.headers.get("location");
    if (res.status !== 202 || !location) throw unexpected(res, "starting an upload", this.ref);
    return this.client.url(location);
  }

  /**
   * Ends an upload session that is not needed (the registry had the blob). Best effort, and not
   * waited for here: it runs alongside the rest of the push, and `settled` waits for it before the
   * client closes. A session left open costs the registry a little disk until it purges it.
   */
  private cancel(location: string): void {
    this.cancelling.push(
      this.client
        .request("DELETE", location, {
          scopes: this.scopes,
          retry: false,
          operation: "cancelling an unneeded upload",
        })
        .catch(() => undefined),
    );
  }

  /** Resolves once every cancellation has been answered (or failed). */
  async settled(): Promise<void> {
    await Promise.all(this.cancelling);
  }

  /** Where the registry says an interrupted upload stands, or undefined when the session is gone. */
  private async resumePoint(location: string): Promise<{ location: string; offset: number } | undefined> {
    const res = await this.client
      .request("GET", location, { scopes: this.scopes, operation: "checking an interrupted upload" })
      .catch(() => undefined);
    if (!res || res.status !== 204) return undefined;
    const range = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get("range") ?? "");
    const next = res.headers.get("location");
    // "0-0" can mean nothing or one byte received; starting at 0 is right for the former and
    // the registry answers 416 for the latter, which restarts the upload.
    const end = range ? Number(range[1]) : -1;
    return { location: next ? this.client.url(next) : location, offset: end <= 0 ? 0 : end + 1 };
  }

  private async sendFrom(
    location: string,
    offset: number,
    digest: Digest,
    bytes: Uint8Array,
    cursor: { location: string; offset: number },
  ): Promise<void> {
    const chunk = this.options.chunkSize ?? DEFAULT_CHUNK;
    const progress = (done: number) => this.options.onProgress?.({ digest, done, total: bytes.byteLength });
    if (bytes.byteLength <= chunk && offset === 0) {
      const res = await this.client.request("PUT", withDigest(location, digest), {
        scopes: this.scopes,
        body: bytes,
        headers: { "content-type": "application/octet-stream" },
        retry: false,
        operation: `uploading blob ${digest}`,
      });
      if (res.status !== 201)
        throw restartable(res) ? new UploadRestart(res.status) : unexpected(res, `uploading blob ${digest}`, this.ref);
      progress(bytes.byteLength);
      return;
    }
    let at = offset;
    let current = location;
    while (at < bytes.byteLength) {
      const end = Math.min(bytes.byteLength, at + chunk);
      const res = await this.client.request("PATCH", current, {
        scopes: this.scopes,
        body: bytes.subarray(at, end),
        headers: { "content-type": "application/octet-stream", "content-range": `${at}-${end - 1}` },
        retry: false,
        operation: `uploading bytes ${at}-${end - 1} of blob ${digest}`,
      });
      if (restartable(res)) throw new UploadRestart(res.status);
      const next = res.headers.get("location");
      if (res.status !== 202 || !next) throw unexpected(res, `uploading a chunk of blob ${digest}`, this.ref);
      current = this.client.url(next);
      at = end;
      cursor.location = current;
      cursor.offset = at;
      progress(at);
    }
    const res = await this.client.request("PUT", withDigest(current, digest), {
      scopes: this.scopes,
      headers: { "content-length": "0" },
      retry: false,
      operation: `finishing the upload of blob ${digest}`,
    });
    if (restartable(res)) throw new UploadRestart(res.status);
    if (res.status !== 201) throw unexpected(res, `finishing blob ${digest}`, this.ref);
  }

  /**
   * Uploads one blob unless the registry has it. A reset, 429 or 5xx mid-upload resumes from the
   * offset the registry reports for the session; a lost session or a range conflict starts a
   * fresh one. The registry verifies the digest on the final PUT, so no corrupt blob can land.
   */
  async upload(digest: Digest, bytes: Uint8Array): Promise<BlobAction> {
    const from = this.options.mountFrom;
    const mount = from !== undefined && from.registry === this.client.registry && from.repository !== this.repository;
    // A mount waits for the check: were they sent together, the check could find the blob the
    // mount had just linked, and "exists" would hide "mounted".
    if (mount && (await this.exists(digest))) return "exists";
    // Otherwise the check and the upload session go out together, one round trip instead of two:
    // a push mostly sends blobs the registry lacks. A session opened for a blob it has is cancelled.
    const [present, started] = await Promise.allSettled([
      mount ? Promise.resolve(false) : this.exists(digest),
      this.start(digest, mount),
    ]);
    const opened = started.status === "fulfilled" ? started.value : undefined;
    if (present.status === "rejected" || present.value) {
      if (opened !== undefined) this.cancel(opened);
      if (present.status === "rejected") throw present.reason;
      return "exists";
    }
    if (started.status === "rejected") throw started.reason;
    const first = started.value;
    if (first === undefined) return "mounted";
    const retries = this.options.retries ?? 5;
    let cursor = { location: first, offset: 0 };
    for (let failures = 0; ;) {
      try {
        await this.sendFrom(cursor.location, cursor.offset, digest, bytes, cursor);
        return "uploaded";
      } catch (error) {
        const conflict = error instanceof UploadRestart;
        if (!(error instanceof TransientRegistryError) && !conflict) throw error;
        if (++failures > retries) {
          throw new OcreError(
            "OCRE_REGISTRY_UNAVAILABLE",
            `registry ${this.client.registry}: uploading blob ${digest} to ${this.ref} failed ${failures} times; last: ${(error as Error).message}`,
            {
              hint: "the registry or the network is failing; nothing incomplete was tagged. Retry later (--retries, --idle-timeout and --timeout set the limits)",
            },
          );
        }
        const hinted = error instanceof TransientRegistryError ? error.retryAfterMs : undefined;
        await sleep(hinted ?? (this.options.retryDelayMs ?? 200) * 2 ** (failures - 1));
        if (await this.exists(digest)) return "uploaded";
        const resume = conflict ? undefined : await this.resumePoint(cursor.location);
        this.options.logger?.debug(
          resume ? `blob ${digest}: resuming at byte ${resume.offset}` : `blob ${digest}: restarting the upload`,
        );
        cursor = resume ?? { location: (await this.start(digest, false)) as string, offset: 0 };
      }
    }
  }
}

async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * Pushes an image with an open client: blobs first (skipping present ones, mounting from the same
 * registry), then the manifest under the tag. The tag only ever names a complete image.
 */
export async function pushWithClient(
  client: RegistryClient,
  content: ImageContent,
  target: RemoteReference,
  options: PushOptions = {},
): Promise<PushResult> {
  checkNameLength(target);
  const ref = formatReference(target);
  const scopes = [`repository:${target.repository}:pull,push`];
  const from = options.mountFrom;
  if (from && from.registry === client.registry && from.repository !== target.repository)
    scopes.push(`repository:${from.repository}:pull`);
  const uploader = new BlobUploader(client, target.repository, ref, options, scopes);
  // Cancelled upload sessions are answered before the caller may close the client.
  try {
    const descriptors = [content.manifest.config, ...content.manifest.layers];
    const blobs = await inPool(descriptors, options.concurrency ?? 4, async (d): Promise<PushedBlob> => {
      const bytes = content.blobs.get(d.digest);
      if (!bytes)
        throw new OcreError("OCRE_OCI_BLOB_MISSING", `the image has no content for blob ${d.digest}`, {
          hint: "rebuild or pull the image again",
          exitCode: 2,
        });
      const action = await uploader.upload(d.digest, bytes);
      return { digest: d.digest, mediaType: d.mediaType, size: d.size, action };
    });
    const tagOrDigest = target.tag ?? target.digest ?? content.manifestDigest;
    if (target.digest !== undefined && target.digest !== content.manifestDigest) {
      throw new OcreError(
        "OCRE_REFERENCE_DIGEST_MISMATCH",
        `the image's digest is ${content.manifestDigest}, not ${target.digest}`,
        { hint: "push by tag, or name the image's own digest" },
      );
    }
    const res = await client.request("PUT", `/v2/${target.repository}/manifests/${tagOrDigest}`, {
      scopes,
      body: content.manifestBytes,
      headers: { "content-type": content.manifest.mediaType },
      operation: `storing the manifest of ${ref}`,
    });
    if (res.status !== 201) throw unexpected(res, "storing the manifest", ref);
    const stored = res.headers.get("docker-content-digest");
    if (stored !== null && stored !== content.manifestDigest) {
      throw new OcreError(
        "OCRE_REGISTRY_PROTOCOL",
        `the registry stored the manifest as ${stored}, but its digest is ${content.manifestDigest}`,
        { hint: "the registry rewrote the manifest; it does not preserve content" },
      );
    }
    const blobBytes = blobs.reduce((sum, b) => sum + b.size, 0);
    return {
      ref,
      digest: content.manifestDigest,
      mediaType: content.manifest.mediaType,
      manifestSize: content.manifestBytes.byteLength,
      size: content.manifestBytes.byteLength + blobBytes,
      blobs,
      uploadedBytes: blobs.filter((b) => b.action === "uploaded").reduce((sum, b) => sum + b.size, 0),
    };
  } finally {
    await uploader.settled();
  }
}

/** Connects to the target's registry, pushes, and closes. */
export async function pushImage(
  content: ImageContent,
  target: RemoteReference,
  options: PushOptions = {},
): Promise<PushResult> {
  checkNameLength(target);
  const client = await RegistryClient.connect(target.registry, options);
  try {
    return await pushWithClient(client, content, target, options);
  } finally {
    await client.close();
  }
}
