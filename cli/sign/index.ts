import { createPublicKey, type KeyObject } from "node:crypto";
import { OcreError } from "../errors.js";
import type { Digest } from "../oci/digest.js";
import type { Descriptor, ImageContent } from "../oci/image-types.js";
import { readLayoutImage } from "../oci/layout.js";
import { fetchWithClient, type PullOptions } from "../oci/pull.js";
import { formatReference, type RemoteReference } from "../oci/reference.js";
import { RegistryClient } from "../oci/registry-client.js";
import { resolveLocalImage, type LocalImage, type StoreOptions } from "../oci/store.js";
import { OCI_TITLE } from "../oci/annotations.js";
import {
  addSignatureEntry,
  entrySignedBy,
  signatureEntries,
  signPayload,
  simpleSigningPayload,
  verifySignatures,
  type VerifiedSignature,
} from "./cosign.js";
import { keyFingerprint } from "./keys.js";
import { fetchSignature } from "./remote.js";
import { readLocalSignature, signatureRefFor, writeLocalSignature } from "./store.js";

/** Signing and verifying images: the library behind `ocre sign`, `verify`, `build --sign`, `pull --verify-key`. */
export { type VerifiedSignature, verifySignatures } from "./cosign.js";
export {
  generateKeyPair,
  writeKeyPair,
  loadPrivateKey,
  loadPublicKey,
  keyFingerprint,
  publicKeyPem,
  publicKeyPoint,
} from "./keys.js";
export { readLocalSignature, writeLocalSignature } from "./store.js";
export { signatureTag, isSignatureRef } from "./tag.js";

/**
 * The identity a signature names (`critical.identity.docker-reference`; cosign's verifier ignores
 * it): the repository of a pulled image, else the image's title.
 */
function dockerReference(local: LocalImage): string {
  const ref = local.ref ?? "";
  const slash = ref.lastIndexOf("/");
  if (slash > 0) {
    const colon = ref.lastIndexOf(":");
    return colon > slash ? ref.slice(0, colon) : ref;
  }
  return local.manifest.annotations?.[OCI_TITLE] ?? ref;
}

function subjectOf(descriptor: Descriptor): Descriptor {
  return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
}

export interface SignResult {
  readonly image: string;
  readonly digest: Digest;
  readonly layout: string;
  /** The layout entry holding the signature (`…sha256-<hex>.sig`). */
  readonly signatureRef: string;
  readonly keyFingerprint: string;
  readonly payload: string;
  readonly signature: string;
  /** False when an identical claim by the same key was already there (nothing written). */
  readonly added: boolean;
}

/** Signs a local image (build/oci or the user store) and stores the signature with it. */
export async function signLocalImage(
  image: string | undefined,
  key: KeyObject,
  store: StoreOptions,
  identity?: string,
): Promise<SignResult> {
  const local = await resolveLocalImage(image, store);
  // Read (and digest-check) every blob: only an intact image gets signed.
  await readLayoutImage(local.layout, local.descriptor);
  const digest = local.descriptor.digest;
  const payload = simpleSigningPayload(identity ?? dockerReference(local), digest);
  const existing = await readLocalSignature(local.layout, digest);
  const name = local.ref ?? digest;
  const fingerprint = keyFingerprint(createPublicKey(key));
  const publicKey = createPublicKey(key);
  const same = existing
    ? signatureEntries(existing, `the signature of ${name}`).find(
        (e) => Buffer.compare(Buffer.from(e.payload), Buffer.from(payload)) === 0 && entrySignedBy(e, publicKey),
      )
    : undefined;
  if (same) {
    return {
      image: name,
      digest,
      layout: local.layout,
      signatureRef: signatureRefFor(local.ref, digest),
      keyFingerprint: fingerprint,
      payload: new TextDecoder().decode(payload),
      signature: same.signature,
      added: false,
    };
  }
  const signature = signPayload(payload, key);
  const content = addSignatureEntry(existing, { payload, signature }, subjectOf(local.descriptor));
  const signatureRef = await writeLocalSignature(local.layout, local.ref, digest, content);
  return {
    image: name,
    digest,
    layout: local.layout,
    signatureRef,
    keyFingerprint: fingerprint,
    payload: new TextDecoder().decode(payload),
    signature,
    added: true,
  };
}

export interface VerifyResult extends VerifiedSignature {
  readonly image: string;
  readonly digest: Digest;
  readonly from: "local" | "registry";
}

/**
 * Verifies a local image: every blob against the manifest, the manifest against its digest,
 * and its stored signature against `keys`.
 */
export async function verifyLocalImage(
  image: string | undefined,
  keys: readonly KeyObject[],
  store: StoreOptions,
): Promise<VerifyResult & { content: ImageContent }> {
  const local = await resolveLocalImage(image, store);
  const content = await readLayoutImage(local.layout, local.descriptor);
  const name = local.ref ?? local.descriptor.digest;
  const signatures = await readLocalSignature(local.layout, content.manifestDigest);
  const verified = verifySignatures(signatures, content.manifestDigest, keys, name);
  return { ...verified, image: name, digest: content.manifestDigest, from: "local", content };
}

export interface SignedImage {
  readonly content: ImageContent;
  /** The image's signatures (cosign's `sha256-<hex>.sig`), when the registry has them. */
  readonly signatures: ImageContent | undefined;
  /** Set when `keys` were given: the signature that verified. */
  readonly verified: VerifiedSignature | undefined;
  /** Whether the registry was reached over https (its certificate verified). */
  readonly secure: boolean;
}

/**
 * Fetches an image and its signatures over one connection, checking every digest; with `keys`,
 * refuses (throws before returning anything) an image no trusted key signed.
 */
export async function fetchSignedImage(
  target: RemoteReference,
  options: PullOptions,
  keys?: readonly KeyObject[],
): Promise<SignedImage> {
  const client = await RegistryClient.connect(target.registry, options);
  try {
    const content = await fetchWithClient(client, target, options);
    const signatures = await fetchSignature(client, target, content.manifestDigest);
    const verified =
      keys === undefined
        ? undefined
        : verifySignatures(signatures, content.manifestDigest, keys, formatReference(target));
    return { content, signatures, verified, secure: client.baseUrl.startsWith("https:") };
  } finally {
    await client.close();
  }
}

/**
 * An image whose signature one of `keys` made: a local image (build/oci, the user store, a layout),
 * else, for a registry reference, fetched with its signature. The same rule as `pull --verify-key`.
 */
export async function verifiedImage(
  ref: string,
  keys: readonly KeyObject[],
  store: StoreOptions,
  registry: PullOptions = {},
): Promise<{ content: ImageContent; from: string; verified: VerifiedSignature }> {
  try {
    const local = await verifyLocalImage(ref, keys, store);
    return { content: local.content, from: local.image, verified: local };
  } catch (error) {
    if (!(error instanceof OcreError) || error.code !== "OCRE_IMAGE_NOT_FOUND" || !ref.includes("/")) throw error;
  }
  const { parseReference } = await import("../oci/reference.js");
  const target = parseReference(ref);
  const fetched = await fetchSignedImage(target, registry, keys);
  return { content: fetched.content, from: formatReference(target), verified: fetched.verified! };
}
