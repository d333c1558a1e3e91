import type { KeyObject } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { OCRE_ABI } from "../abi/table.js";
import { OcreError } from "../errors.js";
import { specFromImage } from "../oci/from-image.js";
import { namesRegistry, REGISTRY_TRANSPORT } from "../oci/reference.js";
import type { ContainerInput } from "./types.js";
import { Wasm } from "./wasm-api.js";

export type TargetKind = "wasm" | "app" | "image";
type Found = TargetKind | "missing";

export interface ResolvedTarget {
  readonly kind: TargetKind;
  readonly input: ContainerInput;
  /** Where it came from, for the run's header line. */
  readonly from: string;
}

export interface ResolveTargetOptions {
  readonly cwd: string;
  /** Capabilities for bare .wasm files; default: the features the module imports. */
  readonly capabilities?: readonly string[];
  /** Builds an app directory and returns its container; default: the build pipeline. */
  readonly buildApp?: (appDir: string) => Promise<ContainerInput>;
  /** `--verify-key`: only images one of these keys signed run (cosign format, as `pull --verify-key`). */
  readonly verifyKeys?: readonly KeyObject[];
}

/** The capabilities a bare module needs: one per Ocre feature it imports. */
export function capabilitiesFromImports(wasm: Uint8Array): string[] {
  const names = new Set(
    Wasm.Module.imports(new Wasm.Module(wasm))
      .filter((i) => i.module === "env")
      .map((i) => i.name),
  );
  const caps = new Set<string>();
  for (const fn of OCRE_ABI) if (fn.capability && names.has(fn.name)) caps.add(fn.capability);
  return [...caps];
}

/** `ocre build <dir>` as a library call (cached: an unchanged app is not rebuilt). */
async function buildWithPipeline(appDir: string): Promise<ContainerInput> {
  const { buildApps } = await import("../pipeline/build.js");
  const result = await buildApps([appDir]);
  return result.apps[0]!.spec;
}

/**
 * Whether a target is written as a path: it starts with ".", "/" or "~", ends in .wasm, or has a
 * "/" without naming a registry host and without a tag or digest ("apps/blinky"). Such a target
 * that does not exist is a missing file, never a registry reference.
 */
export function isPathLike(target: string): boolean {
  if (/^(\.|\/|~)/.test(target) || target.endsWith(".wasm") || target.includes(path.sep)) {
    return !namesRegistry(target) && !/[:@]/.test(target.slice(target.lastIndexOf("/") + 1));
  }
  return false;
}

async function kindOf(target: string, cwd: string): Promise<{ kind: Found; file: string }> {
  const file = path.resolve(cwd, target);
  if (target.startsWith(REGISTRY_TRANSPORT) || target.startsWith("oci:")) return { kind: "image", file };
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    const hasManifest = await stat(path.join(file, "ocre.yaml")).then(
      () => true,
      () => false,
    );
    return { kind: hasManifest ? "app" : "image", file };
  }
  if (info?.isFile() && target.endsWith(".wasm")) return { kind: "wasm", file };
  if (info?.isFile()) {
    throw new OcreError("OCRE_RUN_FILE", `${file} is neither an app folder, a .wasm file nor an image`, {
      hint: "run an app folder (with ocre.yaml), a .wasm module, or an image (`ocre image ls`)",
    });
  }
  if (info === undefined && isPathLike(target)) return { kind: "missing", file };
  return { kind: "image", file };
}

/**
 * A path-like target that does not exist: it may still be the name of a local image
 * ("apps/blinky" imported under that name), but it is never looked up in a registry.
 */
async function missing(target: string, file: string, cwd: string, lookupLocal: boolean): Promise<ResolvedTarget> {
  if (lookupLocal && !target.endsWith(".wasm") && !/^(\.|\/|~)/.test(target)) {
    try {
      const image = await specFromImage(target, { cwd });
      return { kind: "image", input: image.spec, from: `${image.from} (${image.digest})` };
    } catch (error) {
      if (!(error instanceof OcreError) || error.code !== "OCRE_IMAGE_NOT_FOUND") throw error;
    }
  }
  throw new OcreError("OCRE_RUN_NOT_FOUND", `no such app or file: ${file}`, {
    hint: target.endsWith(".wasm")
      ? "build it first (`ocre build`) or check the path"
      : "check the path; images are named by reference (`ocre image ls`), and a registry only by its host (localhost:5000/app:1.0)",
  });
}

/**
 * Turns a command-line target into a container: a .wasm file (capabilities from `--cap`, or the
 * features it imports), an app directory (built first), or an image reference (local layout,
 * user store or registry, through cli/oci).
 */
export async function resolveTarget(target: string, options: ResolveTargetOptions): Promise<ResolvedTarget> {
  const { kind, file } = await kindOf(target, options.cwd);
  // Signed-only runs never pick up an unsigned local image through a name that looked like a path.
  if (kind === "missing") return missing(target, file, options.cwd, options.verifyKeys === undefined);
  if (options.verifyKeys !== undefined) {
    if (kind !== "image") {
      throw new OcreError(
        "OCRE_SIGNATURE_MISSING",
        `${target} is ${kind === "wasm" ? "a .wasm file" : "an app directory"}, which carries no signature; --verify-key runs signed images only`,
        {
          hint: "build and sign an image (`ocre build --sign <key>`), then run it by reference: `ocre run <image> --verify-key <pub>`",
        },
      );
    }
    const { verifiedImage } = await import("../sign/index.js");
    const { specFromImageContent } = await import("../oci/image-spec.js");
    const image = await verifiedImage(target, options.verifyKeys, { cwd: options.cwd });
    return {
      kind,
      input: specFromImageContent(image.content, target),
      from: `${image.from} (${image.content.manifestDigest}, signed by ${image.verified.keyFingerprint})`,
    };
  }
  if (kind === "wasm") {
    const wasm = new Uint8Array(await readFile(file));
    let capabilities = options.capabilities;
    if (capabilities === undefined) {
      try {
        capabilities = capabilitiesFromImports(wasm);
      } catch (error) {
        throw new OcreError(
          "OCRE_RUN_BAD_WASM",
          `${file}: not a valid WebAssembly module (${(error as Error).message})`,
        );
      }
    }
    return { kind, input: { name: path.basename(file, ".wasm"), wasm, capabilities }, from: file };
  }
  if (kind === "app") {
    const build = options.buildApp ?? buildWithPipeline;
    return { kind, input: await build(file), from: file };
  }
  const image = await specFromImage(target, { cwd: options.cwd });
  return { kind, input: image.spec, from: `${image.from} (${image.digest})` };
}
