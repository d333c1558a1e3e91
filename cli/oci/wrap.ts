import path from "node:path";
import { CAPABILITIES } from "../abi/contract.js";
import { findImport } from "../abi/table.js";
import type { ResolvedConfig } from "../config/types.js";
import { OcreError } from "../errors.js";
import { validate } from "../pipeline/validate.js";
import { readWasmSummary } from "../pipeline/wasm-sections.js";
import type { ContainerSpec } from "../spec.js";
import { didYouMean } from "../util/suggest.js";
import { packageVersion } from "../version.js";
import { addToLayout } from "./layout.js";
import { renderImage } from "./render.js";

/** Defaults of ocre.yaml's memory section (cli/schemas/ocre.schema.json) for a bare module. */
const DEFAULT_STACK_BYTES = 8192;
const DEFAULT_HEAP_BYTES = 4096;
/** The manifest schema's ceiling for memory.maxPages. */
const MAX_PAGES_LIMIT = 64;

export interface WrapOptions {
  /** Image name; default the file name without `.wasm`. */
  readonly name?: string;
  readonly version?: string;
  /** Capabilities; default one per Ocre feature the module imports (as `ocre run x.wasm`). */
  readonly capabilities?: readonly string[];
  /** Linear memory maximum in 64 KiB pages; default the module's own maximum. */
  readonly maxPages?: number;
  readonly heapBytes?: number;
  readonly stackBytes?: number;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface WrapResult {
  readonly spec: ContainerSpec;
  /** The reference it was added under in the layout: `<name>:<version>`. */
  readonly ref: string;
  readonly digest: string;
  readonly layout: string;
  /** Problems that did not stop it (calls the capabilities do not grant). */
  readonly warnings: readonly string[];
}

function imageName(file: string): string {
  const base = path.basename(file).replace(/\.wasm$/i, "");
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "");
  return name === "" ? "container" : name;
}

/**
 * `ocre image wrap`: a prebuilt Wasm container (C with wasi-libc, Rust, TinyGo…) becomes an
 * annotated ocre image, checked exactly as `ocre build` checks an AssemblyScript app (imports
 * against the ABI with their signatures, `_start`, memory and its maximum). `ocre build
 * --from-image <ref> --board X` then embeds it in firmware.
 */
export async function wrapWasm(
  wasm: Uint8Array,
  file: string,
  layout: string,
  options: WrapOptions = {},
): Promise<WrapResult> {
  for (const cap of options.capabilities ?? []) {
    if (!(CAPABILITIES as readonly string[]).includes(cap)) {
      const suggestion = didYouMean(cap, CAPABILITIES);
      throw new OcreError("OCRE_WRAP_CAPABILITY", `unknown capability "${cap}"${suggestion ? `; ${suggestion}` : ""}`, {
        hint: `capabilities: ${CAPABILITIES.join(", ")}`,
      });
    }
  }
  let summary;
  try {
    summary = readWasmSummary(wasm);
  } catch (error) {
    throw new OcreError("OCRE_VALIDATE", `${file} is not a WebAssembly module: ${(error as Error).message}`, {
      hint: "give the .wasm file your compiler wrote (wasm32-wasi)",
    });
  }
  const importedMemory = summary.imports.find((i) => i.kind === "memory");
  const declaredMax =
    importedMemory?.kind === "memory" ? importedMemory.limits.maximum : (summary.memories[0]?.maximum ?? null);
  // --memory may lower the module's own maximum: the runtime caps growth at the image's limit
  // (WAMR's max_memory_pages on the device, the simulator likewise).
  const maxPages = options.maxPages ?? declaredMax;
  if (maxPages === null || maxPages === undefined) {
    throw new OcreError("OCRE_WRAP_MEMORY", `${file} declares no memory maximum`, {
      hint: "give one: --memory <pages> (64 KiB each), or link with -Wl,--max-memory=<bytes>",
    });
  }
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > MAX_PAGES_LIMIT) {
    throw new OcreError("OCRE_WRAP_MEMORY", `--memory must be 1..${MAX_PAGES_LIMIT} pages, not ${maxPages}`, {
      hint: "the firmware gives a container at most 64 pages (4 MiB)",
    });
  }
  const features = new Set<string>();
  for (const imp of summary.imports) if (imp.module === "env" && imp.kind === "function") features.add(imp.name);
  const used = [...features]
    .map((n) => findImport("env", n))
    .flatMap((f) => (f && "capability" in f && f.capability !== null ? [f.capability] : []));
  const name = options.name ?? imageName(file);
  const version = options.version ?? "0.1.0";
  const config: ResolvedConfig = Object.freeze({
    appDir: path.dirname(path.resolve(file)),
    manifestPath: "the command line",
    buildDir: path.dirname(path.resolve(file)),
    name,
    version,
    entry: path.resolve(file),
    capabilities: Object.freeze([...(options.capabilities ?? [...new Set(used)].sort())]),
    // A wrapped module gets the capability's default GPIO lines and runs once.
    gpio: undefined,
    restart: "no",
    memory: Object.freeze({
      initialPages: 1,
      // Validated against the module's own maximum; the image records the (lower) limit.
      maxPages: declaredMax ?? maxPages,
      stackBytes: options.stackBytes ?? DEFAULT_STACK_BYTES,
      heapBytes: options.heapBytes ?? DEFAULT_HEAP_BYTES,
    }),
    runtime: "stub",
    optimize: "size",
    debug: false,
    boards: Object.freeze([]),
    image: Object.freeze({ repository: name, tag: version }),
    args: Object.freeze([...(options.args ?? [])]),
    env: Object.freeze({ ...(options.env ?? {}) }),
  });
  const validated = await validate(wasm, config);
  const initial = validated.memory.initialPages;
  if (initial > maxPages) {
    throw new OcreError("OCRE_WRAP_MEMORY", `${file} starts with ${initial} pages, more than --memory ${maxPages}`, {
      hint: `give --memory ${initial} or more`,
    });
  }
  const spec: ContainerSpec = Object.freeze({
    ...validated.spec,
    memory: Object.freeze({ ...validated.spec.memory, maxPages: Math.min(maxPages, declaredMax ?? maxPages) }),
  });
  const result = { spec, warnings: validated.warnings };
  const content = renderImage(spec, { boards: [], sdkVersion: packageVersion() });
  const ref = `${name}:${version}`;
  await addToLayout(layout, [{ content, ref }]);
  return { spec: result.spec, ref, digest: content.manifestDigest, layout, warnings: result.warnings };
}
