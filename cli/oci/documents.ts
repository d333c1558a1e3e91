import { readFileSync } from "node:fs";
import path from "node:path";
import { OcreError } from "../errors.js";
import { schemasDir } from "../paths.js";
import * as A from "./annotations.js";
import { isDigest, type Digest } from "./digest.js";
import type { Descriptor, ImageIndex, ImageManifest, WasmImageConfig } from "./image-types.js";
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_MANIFEST,
} from "./media-types.js";

/**
 * Strict parsers for every OCI document ocre reads from outside (an archive, a registry, a layout
 * someone else wrote): manifest, index, the Wasm config blob and the io.ocre.* annotations.
 * Everything is hostile until checked, so each parser bounds the size, checks the JSON type of
 * every field it uses, and fails with OCRE_OCI_INVALID (exit 1) naming the document and the
 * field. Callers never JSON.parse an OCI document themselves.
 */

export const OCI_INVALID = "OCRE_OCI_INVALID";

/**
 * Largest manifest or index accepted: 4 MiB, the limit of the distribution registry (docker's
 * registry, Harbor, zot), so anything a registry stores fits.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest config blob read into memory (a Wasm config is a few hundred bytes). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Layers per manifest and entries per index: far above any real image, low enough to bound the work. */
export const MAX_LIST_ENTRIES = 10_000;
/** Longest annotation value kept (args and env travel in one each). */
export const MAX_ANNOTATION_BYTES = 64 * 1024;

/** The named invalid-content error: `<document>: <field> <problem>`. */
export function invalidDocument(
  document: string,
  field: string | undefined,
  problem: string,
  cause?: unknown,
): OcreError {
  return new OcreError(OCI_INVALID, `${document}: ${field === undefined ? "" : `${field} `}${problem}`, {
    hint: "the image is damaged or was not written by an OCI tool; rebuild it (`ocre build`) or fetch it again",
    ...(cause === undefined ? {} : { cause }),
  });
}

/** JSON type names as a user reads them in an error ("null", "an array", "a string"). */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}

function wrongType(document: string, field: string, value: unknown, wanted: string): OcreError {
  return invalidDocument(document, field, `is ${typeName(value)}, not ${wanted}`);
}

/**
 * Parses bytes as JSON, refusing anything over `maxBytes`, anything that is not UTF-8 and
 * anything that is not JSON. The size check comes first, so a huge document costs nothing.
 */
export function parseJsonDocument(bytes: Uint8Array | string, document: string, maxBytes: number): unknown {
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > maxBytes) throw invalidDocument(document, undefined, `is ${size} bytes, over the ${maxBytes}-byte limit`);
  let text: string;
  try {
    text = typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw invalidDocument(document, undefined, "is not UTF-8 text", error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidDocument(document, undefined, `is not JSON (${(error as Error).message})`, error);
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, document: string, field: string): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw wrongType(document, field, value, "an object");
  return value as Json;
}

function string(value: unknown, document: string, field: string): string {
  if (typeof value !== "string") throw wrongType(document, field, value, "a string");
  return value;
}

function optionalString(value: unknown, document: string, field: string): string | undefined {
  return value === undefined ? undefined : string(value, document, field);
}

function array(value: unknown, document: string, field: string, max = MAX_LIST_ENTRIES): unknown[] {
  if (!Array.isArray(value)) throw wrongType(document, field, value, "an array");
  if (value.length > max)
    throw invalidDocument(document, field, `has ${value.length} entries, over the limit of ${max}`);
  return value;
}

function size(value: unknown, document: string, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw invalidDocument(document, field, `is ${JSON.stringify(value) ?? typeName(value)}, not a byte count`);
  return value;
}

function digest(value: unknown, document: string, field: string): Digest {
  const text = string(value, document, field);
  if (!isDigest(text))
    throw new OcreError(
      "OCRE_OCI_DIGEST_INVALID",
      `${document}: ${field} holds "${text.slice(0, 100)}", which is not a sha256 digest`,
      {
        hint: 'digests look like "sha256:" followed by 64 lowercase hex digits; ocre supports sha256 only',
      },
    );
  return text;
}

/** A string→string map (annotations): every value must be a string. */
export function stringMap(value: unknown, document: string, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const map = object(value, document, field);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(map)) out[key] = string(v, document, `${field}["${key}"]`);
  return out;
}

/** A content descriptor (image-spec descriptor.md); unknown fields are dropped. */
export function parseDescriptor(value: unknown, document: string, field: string): Descriptor {
  const d = object(value, document, field);
  const annotations = stringMap(d.annotations, document, `${field}.annotations`);
  const artifactType = optionalString(d.artifactType, document, `${field}.artifactType`);
  let platform: Descriptor["platform"];
  if (d.platform !== undefined) {
    const p = object(d.platform, document, `${field}.platform`);
    platform = {
      architecture: string(p.architecture, document, `${field}.platform.architecture`),
      os: string(p.os, document, `${field}.platform.os`),
    };
  }
  return {
    mediaType: string(d.mediaType, document, `${field}.mediaType`),
    digest: digest(d.digest, document, `${field}.digest`),
    size: size(d.size, document, `${field}.size`),
    ...(annotations === undefined ? {} : { annotations }),
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(platform === undefined ? {} : { platform }),
  };
}

function schemaVersion(doc: Json, document: string): void {
  if (doc.schemaVersion !== 2)
    throw invalidDocument(document, "schemaVersion", `is ${JSON.stringify(doc.schemaVersion) ?? "missing"}, not 2`);
}

const MANIFEST_TYPES = new Set([MEDIA_TYPE_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]);
const INDEX_TYPES = new Set([MEDIA_TYPE_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST]);

function manifestFrom(doc: Json, document: string): ImageManifest {
  schemaVersion(doc, document);
  const mediaType = optionalString(doc.mediaType, document, "mediaType") ?? MEDIA_TYPE_MANIFEST;
  if (!MANIFEST_TYPES.has(mediaType))
    throw new OcreError(OCI_INVALID, `${document} is not an image manifest (media type ${mediaType.slice(0, 200)})`, {
      hint: "ocre handles single-image manifests; an index must name a wasm image",
    });
  const annotations = stringMap(doc.annotations, document, "annotations");
  const artifactType = optionalString(doc.artifactType, document, "artifactType");
  return {
    schemaVersion: 2,
    mediaType,
    ...(artifactType === undefined ? {} : { artifactType }),
    config: parseDescriptor(doc.config, document, "config"),
    layers: array(doc.layers, document, "layers").map((l, i) => parseDescriptor(l, document, `layers[${i}]`)),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

function indexFrom(doc: Json, document: string): ImageIndex {
  schemaVersion(doc, document);
  const mediaType = optionalString(doc.mediaType, document, "mediaType") ?? MEDIA_TYPE_INDEX;
  if (!INDEX_TYPES.has(mediaType))
    throw invalidDocument(document, "mediaType", `is ${mediaType.slice(0, 200)}, not an image index`);
  const annotations = stringMap(doc.annotations, document, "annotations");
  return {
    schemaVersion: 2,
    mediaType,
    manifests: array(doc.manifests, document, "manifests").map((m, i) =>
      parseDescriptor(m, document, `manifests[${i}]`),
    ),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

/** Parses an image manifest (OCI or Docker schema 2). */
export function parseImageManifest(bytes: Uint8Array | string, document: string): ImageManifest {
  return manifestFrom(
    object(parseJsonDocument(bytes, document, MAX_MANIFEST_BYTES), document, "(top level)"),
    document,
  );
}

/** Parses an image index (a layout's index.json, or a registry's index / manifest list). */
export function parseImageIndex(bytes: Uint8Array | string, document: string): ImageIndex {
  return indexFrom(object(parseJsonDocument(bytes, document, MAX_MANIFEST_BYTES), document, "(top level)"), document);
}

export type ManifestDocument =
  | { readonly kind: "manifest"; readonly manifest: ImageManifest }
  | { readonly kind: "index"; readonly index: ImageIndex };

/**
 * Parses what a registry returns for a manifest request: an image manifest or an index. The
 * document's own mediaType decides, else the Content-Type it came with, else its shape.
 */
export function parseManifestDocument(bytes: Uint8Array, document: string, contentType?: string): ManifestDocument {
  const doc = object(parseJsonDocument(bytes, document, MAX_MANIFEST_BYTES), document, "(top level)");
  const declared = optionalString(doc.mediaType, document, "mediaType") ?? contentType;
  const isIndex =
    declared !== undefined && INDEX_TYPES.has(declared)
      ? true
      : declared === undefined || declared === ""
        ? doc.manifests !== undefined
        : false;
  return isIndex
    ? { kind: "index", index: indexFrom(doc, document) }
    : { kind: "manifest", manifest: manifestFrom(doc, document) };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses the CNCF Wasm OCI artifact config (application/vnd.wasm.config.v0+json). */
export function parseWasmConfig(bytes: Uint8Array, document: string): WasmImageConfig {
  const doc = object(parseJsonDocument(bytes, document, MAX_CONFIG_BYTES), document, "(top level)");
  const created = optionalString(doc.created, document, "created");
  if (created !== undefined && !RFC3339.test(created))
    throw invalidDocument(document, "created", `is "${created.slice(0, 100)}", not an RFC 3339 time`);
  const author = optionalString(doc.author, document, "author");
  const architecture = string(doc.architecture, document, "architecture");
  if (architecture !== "wasm")
    throw invalidDocument(document, "architecture", `is "${architecture.slice(0, 100)}", not "wasm"`);
  const os = string(doc.os, document, "os");
  if (!os.startsWith("wasip")) throw invalidDocument(document, "os", `is "${os.slice(0, 100)}", not a WASI version`);
  const layerDigests =
    doc.layerDigests === undefined
      ? []
      : array(doc.layerDigests, document, "layerDigests").map((d, i) => digest(d, document, `layerDigests[${i}]`));
  let module: WasmImageConfig["module"];
  if (doc.module !== undefined) {
    const m = object(doc.module, document, "module");
    module = { entryPoint: string(m.entryPoint, document, "module.entryPoint") };
  }
  return {
    ...(created === undefined ? {} : { created }),
    ...(author === undefined ? {} : { author }),
    architecture: "wasm",
    os: os as "wasip1",
    layerDigests,
    ...(module === undefined ? {} : { module }),
  };
}

/** A config blob of another media type: JSON (bounded) when it says it is, else only its size. */
export function parseOtherConfig(bytes: Uint8Array, document: string): unknown {
  return parseJsonDocument(bytes, document, MAX_CONFIG_BYTES);
}

interface Range {
  readonly min: number;
  readonly max: number;
}

/** Bounds of the memory annotations: the ocre.yaml schema's, the one source of the ranges a build accepts. */
let memoryRanges: Record<"initialPages" | "maxPages" | "stackBytes" | "heapBytes", Range> | undefined;
export function memoryAnnotationRanges(): Record<"initialPages" | "maxPages" | "stackBytes" | "heapBytes", Range> {
  if (memoryRanges === undefined) {
    const schema = JSON.parse(readFileSync(path.join(schemasDir, "ocre.schema.json"), "utf8")) as {
      properties: { memory: { properties: Record<string, { minimum: number; maximum: number }> } };
    };
    const p = schema.properties.memory.properties;
    const range = (key: string): Range => ({ min: p[key]!.minimum, max: p[key]!.maximum });
    memoryRanges = {
      initialPages: range("initialPages"),
      maxPages: range("maxPages"),
      stackBytes: range("stack"),
      heapBytes: range("heap"),
    };
  }
  return memoryRanges;
}

/** The io.ocre.* annotations, typed and bounded. Absent optional keys are absent here too. */
export interface OcreAnnotations {
  readonly title: string | undefined;
  readonly version: string | undefined;
  readonly capabilities: readonly string[];
  readonly features: readonly string[];
  readonly boards: readonly string[];
  readonly entryPoint: string | undefined;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** GPIO allow-list (io.ocre.gpio), undefined when absent. */
  readonly gpio: readonly string[] | undefined;
  readonly restart: "no" | "on-failure" | "always";
  /** Absent when the image carries no memory annotations at all (not an ocre image). */
  readonly memory:
    | {
        readonly initialPages: number;
        readonly maxPages: number;
        readonly stackBytes: number;
        readonly heapBytes: number;
      }
    | undefined;
}

const MEMORY_KEYS = {
  initialPages: A.OCRE_MEMORY_INITIAL_PAGES,
  maxPages: A.OCRE_MEMORY_MAX_PAGES,
  stackBytes: A.OCRE_MEMORY_STACK_BYTES,
  heapBytes: A.OCRE_MEMORY_HEAP_BYTES,
} as const;

function list(text: string | undefined): string[] {
  return text === undefined || text === "" ? [] : text.split(",");
}

function jsonAnnotation(annotations: Readonly<Record<string, string>>, key: string, document: string): unknown {
  const text = annotations[key];
  if (text === undefined) return undefined;
  return parseJsonDocument(text, `${document} annotation ${key}`, MAX_ANNOTATION_BYTES);
}

/**
 * Reads the io.ocre.* annotations of a manifest: args must be a JSON array of strings, env a
 * JSON object of strings, the memory limits integers inside the ranges ocre.yaml allows (so a
 * 4 GiB heap is refused here rather than when the simulator or the firmware tries to honour it).
 */
export function parseOcreAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  document: string,
): OcreAnnotations {
  const a = annotations ?? {};
  const where = `${document} annotations`;
  for (const [key, value] of Object.entries(a)) {
    if (key.startsWith(A.OCRE_PREFIX) && value.length > MAX_ANNOTATION_BYTES)
      throw invalidDocument(where, key, `is ${value.length} characters, over the limit of ${MAX_ANNOTATION_BYTES}`);
  }
  const argsValue = jsonAnnotation(a, A.OCRE_ARGS, document);
  const args =
    argsValue === undefined
      ? []
      : array(argsValue, where, A.OCRE_ARGS).map((v, i) => string(v, where, `${A.OCRE_ARGS}[${i}]`));
  const envValue = jsonAnnotation(a, A.OCRE_ENV, document);
  const env = envValue === undefined ? {} : (stringMap(envValue, where, A.OCRE_ENV) as Record<string, string>);
  const present = Object.values(MEMORY_KEYS).filter((k) => a[k] !== undefined);
  let memory: OcreAnnotations["memory"];
  if (present.length > 0) {
    const ranges = memoryAnnotationRanges();
    const read = (field: keyof typeof MEMORY_KEYS): number => {
      const key = MEMORY_KEYS[field];
      const text = a[key];
      if (text === undefined) throw invalidDocument(where, key, "is missing");
      const { min, max } = ranges[field];
      if (!/^\d{1,12}$/.test(text)) throw invalidDocument(where, key, `is "${text.slice(0, 40)}", not a whole number`);
      const value = Number(text);
      if (value < min || value > max) throw invalidDocument(where, key, `is ${value}, outside ${min}..${max}`);
      return value;
    };
    memory = {
      initialPages: read("initialPages"),
      maxPages: read("maxPages"),
      stackBytes: read("stackBytes"),
      heapBytes: read("heapBytes"),
    };
    if (memory.initialPages > memory.maxPages)
      throw invalidDocument(
        where,
        A.OCRE_MEMORY_INITIAL_PAGES,
        `is ${memory.initialPages}, above ${A.OCRE_MEMORY_MAX_PAGES} (${memory.maxPages})`,
      );
  }
  // The same shapes ocre.yaml allows (cli/schemas/ocre.schema.json): the firmware embeds them.
  const gpioText = a[A.OCRE_GPIO];
  const gpio = gpioText === undefined ? undefined : list(gpioText);
  gpio?.forEach((line, i) => {
    if (!/^([a-z][a-z0-9_]{0,62}|[0-9]{1,3}:[0-9]{1,2})$/.test(line) || i >= 32)
      throw invalidDocument(where, A.OCRE_GPIO, `holds "${line.slice(0, 40)}", not an alias or port:pin (at most 32)`);
  });
  const restart = a[A.OCRE_RESTART] ?? "no";
  if (restart !== "no" && restart !== "on-failure" && restart !== "always")
    throw invalidDocument(where, A.OCRE_RESTART, `is "${restart.slice(0, 40)}", not no, on-failure or always`);
  return {
    title: a[A.OCI_TITLE],
    version: a[A.OCI_VERSION],
    gpio,
    restart,
    capabilities: list(a[A.OCRE_CAPABILITIES]),
    features: list(a[A.OCRE_FEATURES]),
    boards: list(a[A.OCRE_BOARDS]),
    entryPoint: a[A.OCRE_ENTRY_POINT],
    args,
    env,
    memory,
  };
}
