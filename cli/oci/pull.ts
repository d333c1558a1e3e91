import { OcreError } from "../errors.js";
import { isDigest, sha256Digest, verifyDigest, type Digest } from "./digest.js";
import type { Descriptor, ImageContent, ImageIndex } from "./image-types.js";
import { parseManifest } from "./layout.js";
import { MANIFEST_ACCEPT, MEDIA_TYPE_DOCKER_MANIFEST_LIST, MEDIA_TYPE_INDEX } from "./media-types.js";
import { formatReference, type RemoteReference } from "./reference.js";
import { RegistryClient, registryErrorText, type RegistryOptions, type RegistryResponse } from "./registry-client.js";

export interface PullProgress {
  readonly digest: Digest;
  readonly done: number;
  readonly total: number;
}

export interface PullOptions extends RegistryOptions {
  readonly onProgress?: (progress: PullProgress) => void;
}

function failure(res: RegistryResponse, what: string, ref: string): OcreError {
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

async function getManifest(
  client: RegistryClient,
  target: RemoteReference,
  reference: string,
  expected: Digest | undefined,
  scopes: string[],
  ref: string,
): Promise<{ bytes: Uint8Array; digest: Digest; mediaType: string }> {
  const res = await client.request("GET", `/v2/${target.repository}/manifests/${reference}`, {
    scopes,
    headers: { accept: MANIFEST_ACCEPT },
  });
  if (res.status !== 200) throw failure(res, expected ? `manifest ${expected}` : `tag "${reference}"`, ref);
  const bytes = res.body;
  const digest = sha256Digest(bytes);
  if (expected !== undefined) verifyDigest(bytes, expected, `manifest of ${ref}`);
  const announced = res.headers.get("docker-content-digest");
  if (announced !== null && isDigest(announced) && announced !== digest)
    verifyDigest(bytes, announced, `manifest of ${ref}`);
  const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  return { bytes, digest, mediaType };
}

/**
 * Fetches an image into memory with an open client, checking every manifest and blob against its
 * digest (and size) as it arrives. Nothing is returned, so nothing can be written, unless all of
 * it verified.
 */
export async function fetchWithClient(
  client: RegistryClient,
  target: RemoteReference,
  options: PullOptions = {},
): Promise<ImageContent> {
  const ref = formatReference(target);
  const scopes = [`repository:${target.repository}:pull`];
  let manifest = await getManifest(client, target, target.digest ?? (target.tag as string), target.digest, scopes, ref);
  const parsedType =
    (JSON.parse(new TextDecoder().decode(manifest.bytes)) as { mediaType?: string }).mediaType ?? manifest.mediaType;
  if (parsedType === MEDIA_TYPE_INDEX || parsedType === MEDIA_TYPE_DOCKER_MANIFEST_LIST) {
    const chosen = pickFromIndex(JSON.parse(new TextDecoder().decode(manifest.bytes)) as ImageIndex, ref);
    manifest = await getManifest(client, target, chosen.digest, chosen.digest, scopes, ref);
  }
  const parsed = parseManifest(manifest.bytes, `manifest of ${ref}`);
  const blobs = new Map<Digest, Uint8Array>();
  for (const d of [parsed.config, ...parsed.layers]) {
    const res = await client.request("GET", `/v2/${target.repository}/blobs/${d.digest}`, { scopes });
    if (res.status !== 200) throw failure(res, `blob ${d.digest}`, ref);
    if (res.body.byteLength !== d.size) {
      throw new OcreError(
        "OCRE_OCI_DIGEST_MISMATCH",
        `blob ${d.digest} of ${ref} is ${res.body.byteLength} bytes, but the manifest says ${d.size}`,
        {
          hint: "the content was corrupted or tampered with on the way; nothing was written. Retry, and if it persists check the registry or proxy in between",
        },
      );
    }
    verifyDigest(res.body, d.digest, `blob ${d.digest} of ${ref}`);
    blobs.set(d.digest, res.body);
    options.onProgress?.({ digest: d.digest, done: d.size, total: d.size });
  }
  return { manifest: parsed, manifestBytes: manifest.bytes, manifestDigest: manifest.digest, blobs };
}

/** Connects, fetches and verifies one image, and closes. */
export async function fetchImage(target: RemoteReference, options: PullOptions = {}): Promise<ImageContent> {
  const client = await RegistryClient.connect(target.registry, options);
  try {
    return await fetchWithClient(client, target, options);
  } finally {
    await client.close();
  }
}
