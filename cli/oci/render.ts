import { upstreamCapabilities } from "../abi/contract.js";
import type { ContainerSpec } from "../spec.js";
import { canonicalJsonBytes } from "./canonical-json.js";
import { sha256Digest, type Digest } from "./digest.js";
import type { ImageContent, ImageManifest, WasmImageConfig } from "./image-types.js";
import { MEDIA_TYPE_MANIFEST, MEDIA_TYPE_WASM_CONFIG, MEDIA_TYPE_WASM_LAYER } from "./media-types.js";
import * as A from "./annotations.js";

/** Everything besides the ContainerSpec that ends up in the image. All optional parts are left out when absent. */
export interface ImageMetadata {
  /** RFC 3339, already decided by the caller (SOURCE_DATE_EPOCH or the commit time); absent keeps the digest free of wall-clock time. */
  readonly created?: string;
  readonly author?: string;
  readonly source?: string;
  readonly revision?: string;
  /** Boards whose budget the build checked the container against. */
  readonly boards: readonly string[];
  readonly sdkVersion: string;
}

/** Seconds since the epoch → RFC 3339 in UTC without fractional seconds (what `created` fields usually hold). */
export function rfc3339FromEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function manifestAnnotations(spec: ContainerSpec, meta: ImageMetadata): Record<string, string> {
  const annotations: Record<string, string> = {
    [A.OCI_TITLE]: spec.name,
    [A.OCI_VERSION]: spec.version,
    [A.OCRE_CAPABILITIES]: spec.capabilities.join(","),
    [A.OCRE_CAPABILITIES_UPSTREAM]: upstreamCapabilities(spec.capabilities).join(","),
    ...(spec.gpio === undefined ? {} : { [A.OCRE_GPIO]: spec.gpio.join(",") }),
    ...(spec.restart === undefined || spec.restart === "no" ? {} : { [A.OCRE_RESTART]: spec.restart }),
    [A.OCRE_FEATURES]: spec.features.join(","),
    [A.OCRE_MEMORY_INITIAL_PAGES]: String(spec.memory.initialPages),
    [A.OCRE_MEMORY_MAX_PAGES]: String(spec.memory.maxPages),
    [A.OCRE_MEMORY_STACK_BYTES]: String(spec.memory.stackBytes),
    [A.OCRE_MEMORY_HEAP_BYTES]: String(spec.memory.heapBytes),
    [A.OCRE_ENTRY_POINT]: spec.entryPoint,
    [A.OCRE_ARGS]: JSON.stringify(spec.args),
    [A.OCRE_ENV]: JSON.stringify(
      Object.fromEntries(Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    ),
    [A.OCRE_ABI_VERSION]: A.OCRE_ABI_REVISION,
    [A.OCRE_SDK_VERSION]: meta.sdkVersion,
    [A.OCRE_BOARDS]: [...meta.boards].sort().join(","),
  };
  if (meta.source !== undefined) annotations[A.OCI_SOURCE] = meta.source;
  if (meta.revision !== undefined) annotations[A.OCI_REVISION] = meta.revision;
  if (meta.created !== undefined) annotations[A.OCI_CREATED] = meta.created;
  return annotations;
}

/**
 * Renders the CNCF Wasm OCI artifact for one container: the config blob, the single
 * `application/wasm` layer and the manifest, all as canonical JSON so that the same spec and
 * metadata always give the same manifest digest.
 */
export function renderImage(spec: ContainerSpec, meta: ImageMetadata): ImageContent {
  const layerDigest: Digest = sha256Digest(spec.wasm);
  const config: WasmImageConfig = {
    ...(meta.created === undefined ? {} : { created: meta.created }),
    ...(meta.author === undefined ? {} : { author: meta.author }),
    architecture: "wasm",
    os: "wasip1",
    layerDigests: [layerDigest],
    module: { entryPoint: spec.entryPoint },
  };
  const configBytes = canonicalJsonBytes(config);
  const configDigest = sha256Digest(configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_MANIFEST,
    config: { mediaType: MEDIA_TYPE_WASM_CONFIG, digest: configDigest, size: configBytes.byteLength },
    layers: [
      {
        mediaType: MEDIA_TYPE_WASM_LAYER,
        digest: layerDigest,
        size: spec.wasm.byteLength,
        annotations: { [A.OCI_TITLE]: `${spec.name}.wasm` },
      },
    ],
    annotations: manifestAnnotations(spec, meta),
  };
  const manifestBytes = canonicalJsonBytes(manifest);
  return {
    manifest,
    manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    blobs: new Map<Digest, Uint8Array>([
      [configDigest, configBytes],
      [layerDigest, spec.wasm],
    ]),
  };
}
