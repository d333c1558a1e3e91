import type { KeyObject } from "node:crypto";
import { createPublicKey } from "node:crypto";
import type { Digest } from "../oci/digest.js";
import { parseManifest, readBlob, readLayoutEntries } from "../oci/layout.js";
import { entrySignedBy, signatureEntries } from "./cosign.js";
import { keyFingerprint, publicKeyPoint } from "./keys.js";
import { readLocalSignature } from "./store.js";
import { isSignatureRef } from "./tag.js";

/**
 * What the firmware embeds so that the device can check a container before loading it: the
 * image manifest exactly as signed, cosign's payload and the DER signature (ocre_signature in
 * wamr-glue/include/ocre/ocre.h).
 */
export interface EmbeddedSignature {
  readonly manifest: Uint8Array;
  readonly manifestDigest: Digest;
  readonly payload: Uint8Array;
  readonly der: Uint8Array;
  /** The trusted key that made it, when one did (else the device will refuse it). */
  readonly keyFingerprint: string | undefined;
}

export interface TrustedKey {
  readonly fingerprint: string;
  /** Uncompressed P-256 point, 65 bytes (what ocre_trust_keys takes). */
  readonly point: Uint8Array;
}

export function trustedKey(key: KeyObject): TrustedKey {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return { fingerprint: keyFingerprint(pub), point: publicKeyPoint(pub) };
}

/**
 * Finds, in `layouts`, an image with a layer of sha256 `wasmHex` that carries a signature, and
 * picks the signature layer one of `keys` made (else the first one, which the device will refuse
 * and say why). Undefined when no such image or signature is found.
 */
export async function findEmbeddedSignature(
  wasmHex: string,
  layouts: readonly string[],
  keys: readonly KeyObject[],
): Promise<EmbeddedSignature | undefined> {
  let fallback: EmbeddedSignature | undefined;
  for (const layout of layouts) {
    for (const entry of await readLayoutEntries(layout).catch(() => [])) {
      if (isSignatureRef(entry.ref)) continue;
      const manifest = await readBlob(layout, entry.descriptor.digest).catch(() => undefined);
      if (manifest === undefined) continue;
      const parsed = parseManifest(manifest, `manifest ${entry.descriptor.digest}`);
      if (!parsed.layers.some((l) => l.digest === `sha256:${wasmHex}`)) continue;
      const signatures = await readLocalSignature(layout, entry.descriptor.digest);
      if (signatures === undefined) continue;
      for (const sig of signatureEntries(signatures, `the signature of ${entry.descriptor.digest}`)) {
        const signer = keys.find((k) => entrySignedBy(sig, k));
        const embedded: EmbeddedSignature = {
          manifest,
          manifestDigest: entry.descriptor.digest,
          payload: sig.payload,
          der: Buffer.from(sig.signature, "base64"),
          keyFingerprint: signer === undefined ? undefined : keyFingerprint(signer),
        };
        if (signer !== undefined) return embedded;
        fallback ??= embedded;
      }
    }
  }
  return fallback;
}

export interface TrustPlan {
  readonly keys: readonly TrustedKey[];
  /** Per container, in start order: what its metadata carries (undefined: unsigned). */
  readonly signatures: readonly (EmbeddedSignature | undefined)[];
  /** Containers the device will refuse, and why (printed at build time). */
  readonly warnings: readonly string[];
}

/**
 * `--trust` / the manifest's `trust:`: the keys the firmware embeds, and each container's
 * signature, looked up in `layouts` by the container's Wasm digest. Undefined without keys.
 */
export async function planTrust(
  files: readonly string[],
  specs: readonly { readonly name: string; readonly sha256: string }[],
  layouts: readonly string[],
): Promise<TrustPlan | undefined> {
  const unique = [...new Set(files)];
  if (unique.length === 0) return undefined;
  const { loadPublicKey } = await import("./keys.js");
  const keys = await Promise.all(unique.map((f) => loadPublicKey(f)));
  const trusted = keys.map(trustedKey);
  const distinct = trusted.filter((k, i) => trusted.findIndex((o) => o.fingerprint === k.fingerprint) === i);
  const signatures = await Promise.all(specs.map((s) => findEmbeddedSignature(s.sha256, layouts, keys)));
  const warnings = specs.flatMap((s, i) => {
    const sig = signatures[i];
    if (sig === undefined)
      return [
        `${s.name}: no signature found for its image; the device will refuse it (sign it: ocre build --sign <key>)`,
      ];
    if (sig.keyFingerprint === undefined)
      return [`${s.name}: its image is signed, but by none of the trusted keys; the device will refuse it`];
    return [];
  });
  return { keys: distinct, signatures, warnings };
}
