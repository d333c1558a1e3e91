/**
 * cosign's signature tag: the signed manifest's digest `sha256:<hex>` becomes `sha256-<hex>.sig`.
 * Kept free of imports so the image store can skip signature entries without loading signing code.
 */
export function signatureTag(digest: `sha256:${string}`): string {
  return `sha256-${digest.slice("sha256:".length)}.sig`;
}

/** True for a tag that names a signature. */
export function isSignatureTag(tag: string): boolean {
  return /^sha256-[a-f0-9]{64}\.sig$/.test(tag);
}

/** The tag part of a layout reference name ("localhost:5000/a/b:t" -> "t", "t" -> "t"). */
export function refTag(ref: string): string {
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? ref.slice(colon + 1) : ref;
}

/** True for a layout entry that holds a signature rather than an image. */
export function isSignatureRef(ref: string | undefined): boolean {
  return ref !== undefined && isSignatureTag(refTag(ref));
}
