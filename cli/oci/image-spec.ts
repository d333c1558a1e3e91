import { findImport, type Feature } from "../abi/table.js";
import { OcreError } from "../errors.js";
import type { ContainerSpec, MemoryLimits } from "../spec.js";
import * as A from "./annotations.js";
import { digestHex } from "./digest.js";
import { readLayout } from "../sim/wasm-binary.js";
import { readWasmSummary } from "../pipeline/wasm-sections.js";
import { invalidDocument, parseOcreAnnotations, parseOtherConfig, parseWasmConfig } from "./documents.js";
import type { ImageContent } from "./image-types.js";
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

/**
 * The config blob of an image, parsed: the Wasm config strictly; another JSON config (an image
 * some other tool made) bounded and as JSON; anything else as its size only.
 */
export function readConfig(content: ImageContent): unknown {
  const { config } = content.manifest;
  return parseConfig(config.mediaType, content.blobs.get(config.digest) ?? new Uint8Array(), `config ${config.digest}`);
}

/** A config blob by media type: see readConfig. */
export function parseConfig(mediaType: string, bytes: Uint8Array, document: string): unknown {
  if (mediaType === MEDIA_TYPE_WASM_CONFIG) return parseWasmConfig(bytes, document);
  if (mediaType.endsWith("json")) return parseOtherConfig(bytes, document);
  return { mediaType, size: bytes.byteLength };
}

/** The memory the module itself declares (undefined when it has none it defines or imports). */
function declaredMemory(wasm: Uint8Array, ref: string): { initial: number } | undefined {
  try {
    return readLayout(wasm).memory;
  } catch (error) {
    throw new OcreError(
      "OCRE_IMAGE_WASM_INVALID",
      `the Wasm layer of ${ref} is not a valid module: ${(error as Error).message}`,
      {
        hint: "rebuild and push the image again",
      },
    );
  }
}

/** Stack and heap of an image without io.ocre.* annotations (ocre.yaml's defaults). */
const PLAIN_STACK_BYTES = 8192;
const PLAIN_HEAP_BYTES = 4096;

/** The memory maximum the module declares (defined or imported), in pages. */
function declaredMaximum(wasm: Uint8Array, ref: string): number | undefined {
  let summary;
  try {
    summary = readWasmSummary(wasm);
  } catch (error) {
    throw new OcreError(
      "OCRE_IMAGE_WASM_INVALID",
      `the Wasm layer of ${ref} is not a valid module: ${(error as Error).message}`,
      { hint: "rebuild and push the image again" },
    );
  }
  const imported = summary.imports.find((i) => i.kind === "memory");
  const max = imported?.kind === "memory" ? imported.limits.maximum : (summary.memories[0]?.maximum ?? null);
  return max === null ? undefined : max;
}

/**
 * Rebuilds the ContainerSpec an image was made from: the Wasm bytes are the layer, the limits
 * and capabilities come from the io.ocre.* annotations. Used by `ocre build --from-image`.
 */
export function specFromImageContent(
  content: ImageContent,
  ref: string,
  warn: (message: string) => void = () => {},
): ContainerSpec {
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
  const config = parseWasmConfig(configBytes, `config ${manifest.config.digest} of ${ref}`);
  const annotations = parseOcreAnnotations(manifest.annotations, `manifest of ${ref}`);
  // An image another tool made (no io.ocre.* annotations): ocre image wrap's defaults.
  const plain = annotations.memory === undefined;
  let memory: MemoryLimits;
  if (annotations.memory !== undefined) memory = annotations.memory;
  else {
    const maxPages = declaredMaximum(wasm, ref);
    if (maxPages === undefined) throw notOcre(`annotation ${A.OCRE_MEMORY_MAX_PAGES} is missing`, ref);
    memory = { initialPages: 1, maxPages, stackBytes: PLAIN_STACK_BYTES, heapBytes: PLAIN_HEAP_BYTES };
  }

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
  const declared = declaredMemory(wasm, ref);
  if (declared !== undefined && declared.initial > memory.maxPages) {
    throw invalidDocument(
      `the Wasm layer of ${ref}`,
      "memory",
      `declares ${declared.initial} initial pages, above ${A.OCRE_MEMORY_MAX_PAGES} (${memory.maxPages})`,
    );
  }
  const features = new Set<Feature>(["core"]);
  for (const name of annotations.features) features.add(name as Feature);
  for (const i of imports) {
    const entry = findImport(i.module, i.name);
    if (entry && "feature" in entry) features.add(entry.feature);
  }
  let capabilities = [...annotations.capabilities];
  if (plain) {
    capabilities = [...features].filter((f) => f !== "core").sort();
    warn(
      `${ref} carries no io.ocre.* annotations (not built by ocre): using capabilities ${capabilities.join(", ") || "none"} (what it imports), ` +
        `${memory.maxPages} pages (its own maximum), heap ${memory.heapBytes} and stack ${memory.stackBytes} bytes; ` +
        "`ocre image wrap` sets them explicitly",
    );
  }
  return {
    name: annotations.title ?? ref,
    version: annotations.version ?? "0.0.0",
    wasm,
    sha256: digestHex(layer.digest),
    imports,
    exports,
    features: [...features],
    capabilities,
    gpio: annotations.gpio === undefined ? undefined : [...annotations.gpio],
    restart: annotations.restart,
    memory,
    entryPoint: annotations.entryPoint ?? config.module?.entryPoint ?? "_start",
    args: [...annotations.args],
    env: { ...annotations.env },
  };
}
