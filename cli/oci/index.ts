/** The OCI part of the library: image layout, archive, local store, registry push and pull. */
export { packageImage, packageStage, type ImageReport, type PackageOptions, type OciLogger } from "./package.js";
export { renderImage, rfc3339FromEpoch, type ImageMetadata } from "./render.js";
export { specFromImage, configFromImage, type FromImageOptions, type ImageSpec } from "./from-image.js";
export { specFromImageContent, readConfig } from "./image-spec.js";
export {
  parseImageManifest,
  parseImageIndex,
  parseManifestDocument,
  parseWasmConfig,
  parseOcreAnnotations,
  parseDescriptor,
  invalidDocument,
  MAX_MANIFEST_BYTES,
  type ManifestDocument,
  type OcreAnnotations,
} from "./documents.js";
export {
  writeLayout,
  addToLayout,
  readLayoutEntries,
  readLayoutImage,
  removeFromLayout,
  addStagedToLayout,
  readBlob,
  type LayoutEntry,
  type LayoutImage,
  type StagedImage,
} from "./layout.js";
export { exportArchive, importArchive, archiveRefName } from "./archive.js";
export {
  listImages,
  listLayouts,
  resolveLocalImage,
  userStoreDir,
  appLayoutDir,
  writableLayout,
  type LocalImage,
  type LayoutListing,
  type SkippedEntry,
  type StoreOptions,
} from "./store.js";
export { parseReference, formatReference, type RemoteReference } from "./reference.js";
export { RegistryClient, type RegistryOptions } from "./registry-client.js";
export { pushImage, pushWithClient, type PushOptions, type PushResult, type PushedBlob } from "./push.js";
export { pushLocalImage, type PushLocalOptions, type PushLocalResult } from "./push-local.js";
export {
  fetchImage,
  fetchWithClient,
  pullImage,
  pullWithClient,
  type PullOptions,
  type PullResult,
  type PulledBlob,
} from "./pull.js";
export { sha256Digest, type Digest } from "./digest.js";
export type { ImageContent, ImageManifest, WasmImageConfig, Descriptor } from "./image-types.js";
export * as annotations from "./annotations.js";
