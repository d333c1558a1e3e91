/** Media types and annotation keys of the CNCF Wasm OCI artifact (v0) and the OCI image spec. */
export const MEDIA_TYPE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_TYPE_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_TYPE_WASM_CONFIG = "application/vnd.wasm.config.v0+json";
export const MEDIA_TYPE_WASM_LAYER = "application/wasm";
/** Registries and tools that predate OCI may answer with Docker's media types; we read them. */
export const MEDIA_TYPE_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/** What we accept when fetching a manifest, best first. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPE_MANIFEST,
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
].join(", ");

/** Tag of an image inside a layout's index.json (image-layout spec). */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
