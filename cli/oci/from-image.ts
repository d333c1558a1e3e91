import path from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import { OcreError } from "../errors.js";
import { OCRE_BOARDS } from "./annotations.js";
import type { ContainerSpec } from "../spec.js";
import { specFromImageContent } from "./image-spec.js";
import { readLayoutImage } from "./layout.js";
import { fetchImage, type PullOptions } from "./pull.js";
import { parseReference, formatReference, namesRegistry, REGISTRY_TRANSPORT } from "./reference.js";
import { resolveLocalImage, type StoreOptions } from "./store.js";

export interface FromImageOptions extends StoreOptions {
  /** How to reach a registry when the reference is not a local image. */
  readonly registry?: PullOptions;
}

export interface ImageSpec {
  readonly spec: ContainerSpec;
  /** Boards the image was budgeted for (its io.ocre.boards annotation). */
  readonly boards: readonly string[];
  /** Where the image was found: a layout path or a registry reference. */
  readonly from: string;
  readonly digest: string;
  /** Defaults taken for an image without io.ocre.* annotations. */
  readonly warnings: readonly string[];
}

/**
 * The ContainerSpec an image holds, for `ocre build --from-image <ref>`: a local image (layout
 * dir, `oci:DIR:TAG`, a tag or digest in the app's build/oci or the user store) or, when no
 * local image matches and `ref` names a registry, the image fetched (and verified) from there.
 */
export async function specFromImage(ref: string, options: FromImageOptions): Promise<ImageSpec> {
  const explicitRegistry = ref.startsWith(REGISTRY_TRANSPORT);
  try {
    if (explicitRegistry) throw new OcreError("OCRE_IMAGE_NOT_FOUND", "explicit registry transport");
    const local = await resolveLocalImage(ref, options);
    const content = await readLayoutImage(local.layout, local.descriptor);
    const warnings: string[] = [];
    return {
      spec: specFromImageContent(content, ref, (w) => warnings.push(w)),
      warnings,
      boards: annotatedBoards(content.manifest.annotations),
      from: `${local.layout}${local.ref ? `:${local.ref}` : ""}`,
      digest: content.manifestDigest,
    };
  } catch (error) {
    // Only a reference that names a registry host (or says docker://) is ever fetched, so a
    // typo or a missing folder never turns into a download from Docker Hub.
    if (!(error instanceof OcreError) || error.code !== "OCRE_IMAGE_NOT_FOUND" || !namesRegistry(ref)) {
      if (error instanceof OcreError && error.code === "OCRE_IMAGE_NOT_FOUND" && error.hint !== undefined) {
        throw new OcreError(error.code, error.message, {
          hint: `${error.hint}; a registry is contacted only for a reference naming its host (localhost:5000/app:1.0, ghcr.io/org/app:1.0) or docker://`,
        });
      }
      throw error;
    }
  }
  const remote = parseReference(ref);
  const content = await fetchImage(remote, options.registry ?? {});
  const warnings: string[] = [];
  return {
    spec: specFromImageContent(content, ref, (w) => warnings.push(w)),
    warnings,
    boards: annotatedBoards(content.manifest.annotations),
    from: formatReference(remote),
    digest: content.manifestDigest,
  };
}

function annotatedBoards(annotations: Readonly<Record<string, string>> | undefined): string[] {
  const text = annotations?.[OCRE_BOARDS];
  return text === undefined || text === "" ? [] : text.split(",");
}

/**
 * The ResolvedConfig a build from an image runs with: there is no ocre.yaml, so everything comes
 * from the image (name, version, limits, capabilities, args, env, default boards), outputs go
 * to `<cwd>/<outDir or build>`, and the compiler settings, which no later stage reads, keep
 * their defaults.
 */
export function configFromImage(
  image: ImageSpec,
  cwd: string,
  options: { readonly outDir?: string; readonly boards?: readonly string[] },
): ResolvedConfig {
  const { spec } = image;
  return Object.freeze({
    appDir: cwd,
    // No manifest: the image is the source.
    manifestPath: "",
    buildDir: path.resolve(cwd, options.outDir ?? "build"),
    name: spec.name,
    version: spec.version,
    entry: "",
    capabilities: spec.capabilities,
    gpio: spec.gpio,
    restart: spec.restart ?? "no",
    memory: spec.memory,
    runtime: "stub",
    optimize: "size",
    debug: false,
    boards: options.boards ?? image.boards,
    image: { repository: spec.name, tag: spec.version },
    args: spec.args,
    env: spec.env,
  });
}
