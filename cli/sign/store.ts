import { addToLayout, readLayoutEntries, readLayoutImage } from "../oci/layout.js";
import type { Digest } from "../oci/digest.js";
import type { ImageContent } from "../oci/image-types.js";
import { refTag, signatureTag } from "./tag.js";

/**
 * Signatures stored with the image they sign: in the same OCI layout, as one more index.json entry
 * whose reference name ends in cosign's tag, `sha256-<hex>.sig` (in a build layout the name is the
 * tag alone; in the user store, where names are full references, `<registry>/<repository>:` comes
 * first). `ocre push` sends it next to the image, `ocre pull` brings it, and image listings skip it.
 */

/** The layout name for `digest`'s signature, next to the image's own name `imageRef`. */
export function signatureRefFor(imageRef: string | undefined, digest: Digest): string {
  const tag = signatureTag(digest);
  if (imageRef === undefined) return tag;
  const slash = imageRef.lastIndexOf("/");
  if (slash < 0) return tag;
  const colon = imageRef.lastIndexOf(":");
  return `${colon > slash ? imageRef.slice(0, colon) : imageRef}:${tag}`;
}

/** The signature image stored for `digest` in `layout`, if any. */
export async function readLocalSignature(layout: string, digest: Digest): Promise<ImageContent | undefined> {
  const tag = signatureTag(digest);
  const entry = (await readLayoutEntries(layout)).find((e) => e.ref !== undefined && refTag(e.ref) === tag);
  return entry === undefined ? undefined : readLayoutImage(layout, entry.descriptor);
}

export async function writeLocalSignature(
  layout: string,
  imageRef: string | undefined,
  digest: Digest,
  signatures: ImageContent,
): Promise<string> {
  const ref = signatureRefFor(imageRef, digest);
  await addToLayout(layout, [{ content: signatures, ref }]);
  return ref;
}
