import { createHash } from "node:crypto";
import { OcreError } from "../errors.js";

/** A content digest as the OCI specs write it: "sha256:<64 lowercase hex>". */
export type Digest = `sha256:${string}`;

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function isDigest(value: string): value is Digest {
  return DIGEST_PATTERN.test(value);
}

/** The hex part, which is also the blob's file name under blobs/sha256/. */
export function digestHex(digest: Digest): string {
  return digest.slice("sha256:".length);
}

/** Parses a digest from untrusted input (a reference, a manifest, a header). */
export function parseDigest(value: string, where: string): Digest {
  if (isDigest(value)) return value;
  throw new OcreError("OCRE_OCI_DIGEST_INVALID", `${where} holds "${value}", which is not a sha256 digest`, {
    hint: 'digests look like "sha256:" followed by 64 lowercase hex digits; ocre supports sha256 only',
  });
}

/**
 * Refuses bytes whose digest differs from the one they were fetched or read under. Called before
 * anything derived from the bytes is written or trusted.
 */
export function verifyDigest(bytes: Uint8Array, expected: Digest, what: string): void {
  const actual = sha256Digest(bytes);
  if (actual !== expected) {
    throw new OcreError(
      "OCRE_OCI_DIGEST_MISMATCH",
      `${what} does not match its digest: expected ${expected}, got ${actual}`,
      {
        hint: "the content was corrupted or tampered with on the way; nothing was written. Retry, and if it persists check the registry or proxy in between",
      },
    );
  }
}
