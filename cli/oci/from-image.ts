import { OcreError } from "../errors.js";
import type { ContainerSpec } from "../spec.js";
import { specFromImageContent } from "./image-spec.js";
import { readLayoutImage } from "./layout.js";
import { fetchImage, type PullOptions } from "./pull.js";
import { parseReference, formatReference } from "./reference.js";
import { resolveLocalImage, type StoreOptions } from "./store.js";

export interface FromImageOptions extends StoreOptions {
  /** How to reach a registry when the reference is not a local image. */
  readonly registry?: PullOptions;
}

export interface ImageSpec {
  readonly spec: ContainerSpec;
  /** Where the image was found: a layout path or a registry reference. */
  readonly from: string;
  readonly digest: string;
}

/**
 * The ContainerSpec an image holds, for `ocre build --from-image <ref>`: a local image (layout
 * dir, `oci:DIR:TAG`, a tag or digest in the app's build/oci or the user store) or, when no
 * local image matches and `ref` names a registry, the image fetched (and verified) from there.
 */
export async function specFromImage(ref: string, options: FromImageOptions): Promise<ImageSpec> {
  try {
    const local = await resolveLocalImage(ref, options);
    const content = await readLayoutImage(local.layout, local.descriptor);
    return {
      spec: specFromImageContent(content, ref),
      from: `${local.layout}${local.ref ? `:${local.ref}` : ""}`,
      digest: content.manifestDigest,
    };
  } catch (error) {
    if (!(error instanceof OcreError) || error.code !== "OCRE_IMAGE_NOT_FOUND" || !ref.includes("/")) throw error;
  }
  const remote = parseReference(ref);
  const content = await fetchImage(remote, options.registry ?? {});
  return { spec: specFromImageContent(content, ref), from: formatReference(remote), digest: content.manifestDigest };
}
