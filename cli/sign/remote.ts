import { OcreError } from "../errors.js";
import type { Digest } from "../oci/digest.js";
import type { ImageContent } from "../oci/image-types.js";
import { fetchWithClient } from "../oci/pull.js";
import { pushWithClient } from "../oci/push.js";
import type { RemoteReference } from "../oci/reference.js";
import { RegistryClient, type RegistryOptions } from "../oci/registry-client.js";
import { signatureTag } from "./tag.js";

/** Where cosign keeps `digest`'s signature: the same repository, tag `sha256-<hex>.sig`. */
export function signatureTarget(target: RemoteReference, digest: Digest): RemoteReference {
  return { registry: target.registry, repository: target.repository, tag: signatureTag(digest), digest: undefined };
}

/** The signature image for `digest`, verified against its own digests; undefined when there is none. */
export async function fetchSignature(
  client: RegistryClient,
  target: RemoteReference,
  digest: Digest,
): Promise<ImageContent | undefined> {
  try {
    return await fetchWithClient(client, signatureTarget(target, digest));
  } catch (error) {
    if (error instanceof OcreError && error.code === "OCRE_REGISTRY_NOT_FOUND") return undefined;
    throw error;
  }
}

export interface PushedSignature {
  readonly ref: string;
  readonly digest: Digest;
  /** The registry lists it through the OCI 1.1 referrers API (else only the tag finds it). */
  readonly referrers: boolean;
}

/**
 * Pushes a signature image under cosign's tag. Its manifest names the image as `subject`, so a
 * registry implementing OCI 1.1's referrers API lists it there; whether it does is probed
 * afterwards (distribution 2.8, Debian's docker-registry, answers 404: tag discovery only).
 */
export async function pushSignature(
  client: RegistryClient,
  target: RemoteReference,
  digest: Digest,
  signatures: ImageContent,
): Promise<PushedSignature> {
  const result = await pushWithClient(client, signatures, signatureTarget(target, digest));
  const res = await client.request("GET", `/v2/${target.repository}/referrers/${digest}`, {
    scopes: [`repository:${target.repository}:pull`],
    headers: { accept: "application/vnd.oci.image.index.v1+json" },
  });
  let referrers = false;
  if (res.status === 200 && res.body.byteLength < 1024 * 1024) {
    try {
      const index = JSON.parse(new TextDecoder().decode(res.body)) as { manifests?: { digest?: string }[] };
      referrers = (index.manifests ?? []).some((m) => m.digest === signatures.manifestDigest);
    } catch {
      referrers = false;
    }
  }
  return { ref: result.ref, digest: result.digest, referrers };
}

/** Connects, pushes a signature image next to `digest`'s image, and closes. */
export async function connectAndPushSignature(
  target: RemoteReference,
  digest: Digest,
  signatures: ImageContent,
  options: RegistryOptions,
): Promise<PushedSignature> {
  const client = await RegistryClient.connect(target.registry, options);
  try {
    return await pushSignature(client, target, digest, signatures);
  } finally {
    await client.close();
  }
}
