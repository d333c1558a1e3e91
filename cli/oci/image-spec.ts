import { findImport, type Feature } from "../abi/table.js";
import { OcreError } from "../errors.js";
import type { ContainerSpec, MemoryLimits } from "../spec.js";
import * as A from "./annotations.js";
import { digestHex } from "./digest.js";
import type { ImageContent, WasmImageConfig } from "./image-types.js";
import { MEDIA_TYPE_WASM_CONFIG, MEDIA_TYPE_WASM_LAYER } from "./media-types.js";

/** The slice of the WebAssembly JS API we use (the project's lib settings carry no DOM types). */
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): { module: string; name: string; kind: string }[];
    exports(module: object): { name: string; kind: string }[];
  };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function notOcre(what: string, ref: string): OcreError {
  return new OcreError("OCRE_IMAGE_NOT_OCRE", `${ref} is not an ocre container image: ${what}`, {
    hint: "build images with `ocre build` (it adds the io.ocre.* annotations the firmware generator needs)",
  });
}

function requiredNumber(annotations: Readonly<Record<string, string>>, key: string, ref: string): number {
  const text = annotations[key];
  const value = text === undefined ? Number.NaN : Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw notOcre(text === undefined ? `annotation ${key} is missing` : `annotation ${key} is "${text}"`, ref);
  return value;
}

function jsonAnnotation<T>(annotations: Readonly<Record<string, string>>, key: string, fallback: T, ref: string): T {
  const text = annotations[key];
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw notOcre(`annotation ${key} is not JSON`, ref);
  }
}

function list(text: string | undefined): string[] {
  return text === undefined || text === "" ? [] : text.split(",");
}

/**
 * Rebuilds the ContainerSpec an image was made from: the Wasm bytes are the layer, the limits
 * and capabilities come from the io.ocre.* annotations. Used by `ocre build --from-image`.
 */
export function specFromImageContent(content: ImageContent, ref: string): ContainerSpec {
  const { manifest } = content;
  if (manifest.config.mediaType !== MEDIA_TYPE_WASM_CONFIG)
    throw notOcre(`its config is ${manifest.config.mediaType}, not ${MEDIA_TYPE_WASM_CONFIG}`, ref);
  const layer = manifest.layers[0];
  if (manifest.layers.length !== 1 || layer === undefined || layer.mediaType !== MEDIA_TYPE_WASM_LAYER) {
    throw notOcre(`a Wasm image has exactly one ${MEDIA_TYPE_WASM_LAYER} layer`, ref);
  }
  const wasm = content.blobs.get(layer.digest);
  const configBytes = content.blobs.get(manifest.config.digest);
  if (!wasm || !configBytes) throw notOcre("its content is incomplete", ref);
  const config = JSON.parse(new TextDecoder().decode(configBytes)) as Partial<WasmImageConfig>;
  const annotations = manifest.annotations ?? {};

  let module: object;
  try {
    module = new wasmApi.Module(wasm);
  } catch (error) {
    throw new OcreError(
      "OCRE_IMAGE_WASM_INVALID",
      `the Wasm layer of ${ref} is not a valid module: ${(error as Error).message}`,
      {
        hint: "rebuild and push the image again",
      },
    );
  }
  const imports = wasmApi.Module.imports(module)
    .filter((i) => i.kind === "function")
    .map((i) => ({ module: i.module, name: i.name }));
  const exports = wasmApi.Module.exports(module).map((e) => e.name);
  const features = new Set<Feature>(["core"]);
  for (const name of list(annotations[A.OCRE_FEATURES])) features.add(name as Feature);
  for (const i of imports) {
    const entry = findImport(i.module, i.name);
    if (entry && "feature" in entry) features.add(entry.feature);
  }
  const memory: MemoryLimits = {
    initialPages: requiredNumber(annotations, A.OCRE_MEMORY_INITIAL_PAGES, ref),
    maxPages: requiredNumber(annotations, A.OCRE_MEMORY_MAX_PAGES, ref),
    stackBytes: requiredNumber(annotations, A.OCRE_MEMORY_STACK_BYTES, ref),
    heapBytes: requiredNumber(annotations, A.OCRE_MEMORY_HEAP_BYTES, ref),
  };
  return {
    name: annotations[A.OCI_TITLE] ?? ref,
    version: annotations[A.OCI_VERSION] ?? "0.0.0",
    wasm,
    sha256: digestHex(layer.digest),
    imports,
    exports,
    features: [...features],
    capabilities: list(annotations[A.OCRE_CAPABILITIES]),
    memory,
    entryPoint: annotations[A.OCRE_ENTRY_POINT] ?? config.module?.entryPoint ?? "_start",
    args: jsonAnnotation<string[]>(annotations, A.OCRE_ARGS, [], ref),
    env: jsonAnnotation<Record<string, string>>(annotations, A.OCRE_ENV, {}, ref),
  };
}
