import type { KeyObject } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { OCRE_ABI } from "../abi/table.js";
import { OcreError } from "../errors.js";
import { specFromImage } from "../oci/from-image.js";
import type { ContainerInput } from "./types.js";
import { Wasm } from "./wasm-api.js";

export type TargetKind = "wasm" | "app" | "image";

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

async function kindOf(target: string, cwd: string): Promise<{ kind: TargetKind; file: string }> {
  const file = path.resolve(cwd, target);
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    const hasManifest = await stat(path.join(file, "ocre.yaml")).then(
      () => true,
      () => false,
    );
    return { kind: hasManifest ? "app" : "image", file };
  }
  if (info?.isFile() && target.endsWith(".wasm")) return { kind: "wasm", file };
  if (target.endsWith(".wasm")) {
    throw new OcreError("OCRE_RUN_FILE", `no such file: ${file}`, {
      hint: "build it first (`ocre build`) or check the path",
    });
  }
  return { kind: "image", file };
}

/**
 * Turns a command-line target into a container: a .wasm file (capabilities from `--cap`, or the
 * features it imports), an app directory (built first), or an image reference (local layout,
 * user store or registry, through cli/oci).
 */
export async function resolveTarget(target: string, options: ResolveTargetOptions): Promise<ResolvedTarget> {
  const { kind, file } = await kindOf(target, options.cwd);
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
