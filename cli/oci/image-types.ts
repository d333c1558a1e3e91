import type { Digest } from "./digest.js";

/** The OCI content descriptor (image-spec descriptor.md), as far as ocre reads and writes it. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
  readonly platform?: { readonly architecture: string; readonly os: string };
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Config blob of the CNCF Wasm OCI artifact v0, plus Project Ocre's `module.entryPoint`. */
export interface WasmImageConfig {
  readonly created?: string;
  readonly author?: string;
  readonly architecture: "wasm";
  readonly os: "wasip1";
  readonly layerDigests: readonly Digest[];
  readonly module?: { readonly entryPoint: string };
}

/**
 * One image held in memory: the manifest exactly as its bytes (its digest is the image's
 * identity) and every blob it names. Wasm images are small (KiB to a few MiB), so holding them
 * whole keeps verification simple: nothing is written before every digest has been checked.
 */
export interface ImageContent {
  readonly manifest: ImageManifest;
  readonly manifestBytes: Uint8Array;
  readonly manifestDigest: Digest;
  /** Config and layer blobs by digest. */
  readonly blobs: ReadonlyMap<Digest, Uint8Array>;
}
