import { createPublicKey, sign as ecSign, verify as ecVerify, type KeyObject } from "node:crypto";
import { OcreError } from "../errors.js";
import { canonicalJson } from "../oci/canonical-json.js";
import { isDigest, sha256Digest, type Digest } from "../oci/digest.js";
import type { Descriptor, ImageContent } from "../oci/image-types.js";
import { MEDIA_TYPE_MANIFEST } from "../oci/media-types.js";
import { keyFingerprint } from "./keys.js";
import { signatureTag } from "./tag.js";

/**
 * cosign's signature format (sigstore/cosign specs/SIGNATURE_SPEC.md): a "simple signing" payload
 * naming the image's manifest digest, signed with ECDSA P-256 over SHA-256 (ASN.1 DER signature,
 * base64 in the layer annotation), stored as the layer of an OCI image manifest tagged
 * `sha256-<hex>.sig` in the image's repository.
 */
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const COSIGN_SIGNATURE_TYPE = "cosign container image signature";
/** cosign's signature images carry an (empty) OCI image config. */
const OCI_CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
/** A signature manifest is small; a bigger one is hostile. */
export const MAX_SIGNATURE_LAYERS = 16;
export const MAX_PAYLOAD_BYTES = 4096;

/**
 * The payload exactly as cosign writes it (Go's encoding/json of payload.SimpleContainerImage:
 * fixed key order, `"optional":null`). cosign's TestObsoletePayload pins these bytes.
 */
export function simpleSigningPayload(dockerReference: string, digest: Digest): Uint8Array {
  // Go's encoder escapes <, > and & in strings; JSON.stringify does not. References never hold them.
  const text =
    `{"critical":{"identity":{"docker-reference":${JSON.stringify(dockerReference)}},` +
    `"image":{"docker-manifest-digest":${JSON.stringify(digest)}},` +
    `"type":${JSON.stringify(COSIGN_SIGNATURE_TYPE)}},"optional":null}`;
  return new TextEncoder().encode(text);
}

export function signPayload(payload: Uint8Array, privateKey: KeyObject): string {
  return ecSign("sha256", payload, { key: privateKey, dsaEncoding: "der" }).toString("base64");
}

export interface SignatureEntry {
  readonly payload: Uint8Array;
  /** base64 DER ECDSA signature, as the annotation holds it. */
  readonly signature: string;
}

/**
 * The signature manifest and its blobs. `subject` (OCI 1.1) points at the signed image, so a
 * registry with the referrers API lists the signature under the image; registries without it
 * ignore the field and the `sha256-<hex>.sig` tag still finds it.
 */
export function signatureImage(entries: readonly SignatureEntry[], subject: Descriptor): ImageContent {
  const layers: Descriptor[] = entries.map((e) => ({
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    size: e.payload.byteLength,
    digest: sha256Digest(e.payload),
    annotations: { [SIGNATURE_ANNOTATION]: e.signature },
  }));
  const configBytes = new TextEncoder().encode(
    canonicalJson({
      architecture: "",
      config: {},
      created: "0001-01-01T00:00:00Z",
      history: layers.map(() => ({ created: "0001-01-01T00:00:00Z" })),
      os: "",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const config: Descriptor = {
    mediaType: OCI_CONFIG_MEDIA_TYPE,
    size: configBytes.byteLength,
    digest: sha256Digest(configBytes),
  };
  const manifest = {
    schemaVersion: 2 as const,
    mediaType: MEDIA_TYPE_MANIFEST,
    config,
    layers,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  };
  const manifestBytes = new TextEncoder().encode(canonicalJson(manifest));
  const blobs = new Map<Digest, Uint8Array>([[config.digest, configBytes]]);
  for (const [i, e] of entries.entries()) blobs.set(layers[i]!.digest, e.payload);
  return { manifest, manifestBytes, manifestDigest: sha256Digest(manifestBytes), blobs };
}

/** The simple-signing layers of a signature image (other layers, e.g. attestations, are skipped). */
export function signatureEntries(content: ImageContent, what: string): SignatureEntry[] {
  const layers = content.manifest.layers.filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE);
  if (content.manifest.layers.length > MAX_SIGNATURE_LAYERS) {
    throw new OcreError(
      "OCRE_SIGNATURE_INVALID",
      `${what} has ${content.manifest.layers.length} layers (at most ${MAX_SIGNATURE_LAYERS} are read)`,
      {
        hint: "the signature object is not one cosign or ocre wrote",
      },
    );
  }
  return layers.flatMap((l) => {
    const payload = content.blobs.get(l.digest);
    const signature = l.annotations?.[SIGNATURE_ANNOTATION];
    if (payload === undefined || signature === undefined) return [];
    return [{ payload, signature }];
  });
}

/** Merges a new signature into an existing signature image (cosign keeps every signature in one manifest). */
export function addSignatureEntry(
  existing: ImageContent | undefined,
  entry: SignatureEntry,
  subject: Descriptor,
): ImageContent {
  const entries = existing === undefined ? [] : signatureEntries(existing, "the existing signature");
  const same = (e: SignatureEntry) =>
    e.signature === entry.signature && Buffer.compare(Buffer.from(e.payload), Buffer.from(entry.payload)) === 0;
  return signatureImage(entries.some(same) ? entries : [...entries, entry], subject);
}

/** True when `entry` is a well-formed signature of its own payload by `key`. */
export function entrySignedBy(entry: SignatureEntry, key: KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(entry.signature) || entry.signature.length > 200) return false;
  return ecVerify("sha256", entry.payload, { key, dsaEncoding: "der" }, Buffer.from(entry.signature, "base64"));
}

interface SimpleSigning {
  critical?: {
    identity?: { "docker-reference"?: unknown };
    image?: { "docker-manifest-digest"?: unknown };
    type?: unknown;
  };
}

export interface VerifiedSignature {
  readonly keyFingerprint: string;
  readonly dockerReference: string;
  readonly payload: Uint8Array;
  readonly signature: string;
}

/** Why one signature entry did not verify (the caller reports the best reason if none does). */
function checkEntry(entry: SignatureEntry, digest: Digest, keys: readonly KeyObject[]): VerifiedSignature | string {
  if (entry.payload.byteLength > MAX_PAYLOAD_BYTES) return `a payload of ${entry.payload.byteLength} bytes`;
  let parsed: SimpleSigning;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(entry.payload)) as SimpleSigning;
  } catch {
    return "a payload that is not JSON";
  }
  if (parsed.critical?.type !== COSIGN_SIGNATURE_TYPE)
    return "a payload whose critical.type is not a cosign image signature";
  const signed = parsed.critical.image?.["docker-manifest-digest"];
  if (typeof signed !== "string" || !isDigest(signed)) return "a payload without a manifest digest";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(entry.signature) || entry.signature.length > 200)
    return "a signature that is not base64 DER";
  const key = keys.find((k) => entrySignedBy(entry, k));
  if (key === undefined) return "a signature that none of the trusted keys verifies";
  // Checked after the signature: only a payload the key holder signed is believed at all.
  if (signed !== digest) return `a valid signature of another image (${signed})`;
  const ref = parsed.critical.identity?.["docker-reference"];
  return {
    keyFingerprint: keyFingerprint(key.type === "private" ? createPublicKey(key) : key),
    dockerReference: typeof ref === "string" ? ref : "",
    payload: entry.payload,
    signature: entry.signature,
  };
}

/**
 * Accepts the image `digest` when one signature in `signatures` is a cosign simple-signing
 * payload naming exactly that digest, signed by one of `keys`. The manifest digest itself is
 * the caller's to check against the manifest bytes (every reader in cli/oci does).
 */
export function verifySignatures(
  signatures: ImageContent | undefined,
  digest: Digest,
  keys: readonly KeyObject[],
  what: string,
): VerifiedSignature {
  if (signatures === undefined) {
    throw new OcreError("OCRE_SIGNATURE_MISSING", `${what} (${digest}) is not signed: no ${signatureTag(digest)}`, {
      hint: "sign it with `ocre sign <image> --key <key>` (or `cosign sign --key`), then push again",
    });
  }
  const entries = signatureEntries(signatures, `the signature of ${what}`);
  if (entries.length === 0) {
    throw new OcreError(
      "OCRE_SIGNATURE_MISSING",
      `${what} (${digest}) has a ${signatureTag(digest)} without a simple-signing signature`,
      {
        hint: "sign it with `ocre sign <image> --key <key>`",
      },
    );
  }
  const reasons: string[] = [];
  for (const entry of entries) {
    const result = checkEntry(entry, digest, keys);
    if (typeof result !== "string") return result;
    reasons.push(result);
  }
  throw new OcreError(
    "OCRE_SIGNATURE_INVALID",
    `${what} (${digest}) is not signed by a trusted key: ${signatureTag(digest)} holds ${reasons.join("; ")}`,
    {
      details: keys.map((k) => `trusted: ${keyFingerprint(k.type === "private" ? createPublicKey(k) : k)}`),
      hint: "the image or its signature was changed after signing, or another key signed it; check which key you trust (`ocre keys show`)",
    },
  );
}
