import path from "node:path";
import type { BuildPlan } from "../config/plan.js";
import type { ResolvedConfig } from "../config/types.js";
import { OcreError } from "../errors.js";
import type { ContainerSpec } from "../spec.js";
import { packageVersion } from "../version.js";
import type { Digest } from "./digest.js";
import { writeLayout } from "./layout.js";
import { renderImage, rfc3339FromEpoch } from "./render.js";
import { readSourceInfo } from "./source-info.js";

/** Where log lines go; `Output` from cli/ui/output.ts fits. */
export interface OciLogger {
  info(line: string): void;
  debug(line: string): void;
  warn?(line: string): void;
}

/**
 * `created` when neither SOURCE_DATE_EPOCH nor a git commit gives a time: the Unix epoch. The
 * field is required by the reference `oci-wasm` types (wkg, wasmCloud), and a fixed value keeps
 * the digest free of wall-clock time.
 */
export const FALLBACK_CREATED_EPOCH = 0;

export interface PackageOptions {
  /**
   * The caller's SOURCE_DATE_EPOCH (reproducible-builds.org), passed in rather than read here so
   * that the stage depends only on its inputs.
   */
  readonly sourceDateEpoch?: string | undefined;
  /** Boards the build budgeted the container for (default: the manifest's boards). */
  readonly boards?: readonly string[];
  /** Skip reading git metadata (revision, source, commit time, author). */
  readonly noGit?: boolean;
}

/** The `image` section of build/report.json. */
export interface ImageReport {
  /** Manifest digest: the image's identity. */
  readonly digest: Digest;
  /** Bytes of manifest, config and layer together. */
  readonly size: number;
  /** "<repository>:<tag>" from the manifest's `image` settings. */
  readonly ref: string;
  /** The tag inside the layout (`oci:<layout>:<tag>` for skopeo). */
  readonly tag: string;
  /** The OCI image layout, relative to the build directory ("oci"), so report.json stays portable. */
  readonly layout: string;
  readonly created: string;
}

function parseSourceDateEpoch(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new OcreError(
      "OCRE_SOURCE_DATE_EPOCH_INVALID",
      `SOURCE_DATE_EPOCH is "${value}", not a whole number of seconds`,
      {
        hint: "set it to a Unix timestamp, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it",
      },
    );
  }
  return Number.parseInt(value.trim(), 10);
}

/**
 * The `oci.package` stage: writes `<buildDir>/oci`, an OCI image layout holding the container as
 * a CNCF Wasm artifact tagged with the manifest's image tag. The same spec, config and source
 * give the same manifest digest: `created` comes from SOURCE_DATE_EPOCH, else the last commit's
 * time, else FALLBACK_CREATED_EPOCH (1970-01-01T00:00:00Z).
 */
export async function packageImage(
  spec: ContainerSpec,
  config: ResolvedConfig,
  options: PackageOptions = {},
  logger?: OciLogger,
): Promise<ImageReport> {
  const source = options.noGit ? {} : await readSourceInfo(config.appDir);
  const epoch =
    options.sourceDateEpoch !== undefined && options.sourceDateEpoch !== ""
      ? parseSourceDateEpoch(options.sourceDateEpoch)
      : (source.commitTime ?? FALLBACK_CREATED_EPOCH);
  const created = rfc3339FromEpoch(epoch);
  if ("sourceOmitted" in source && source.sourceOmitted !== undefined) logger?.warn?.(source.sourceOmitted);
  const content = renderImage(spec, {
    created,
    ...(source.author === undefined ? {} : { author: source.author }),
    ...(source.source === undefined ? {} : { source: source.source }),
    ...(source.revision === undefined ? {} : { revision: source.revision }),
    boards: options.boards ?? config.boards,
    sdkVersion: packageVersion(),
  });
  const layout = path.join(config.buildDir, "oci");
  const tag = config.image.tag;
  await writeLayout(layout, [{ content, ref: tag }]);
  let size = content.manifestBytes.byteLength;
  for (const blob of content.blobs.values()) size += blob.byteLength;
  const ref = `${config.image.repository}:${tag}`;
  logger?.debug(`oci: ${ref} ${content.manifestDigest} (${size} bytes) → ${layout}`);
  return {
    digest: content.manifestDigest,
    size,
    ref,
    tag,
    layout: path.relative(config.buildDir, layout),
    created,
  };
}

/**
 * The `oci.package` hook of `ocre build` (cli/pipeline/build.ts APP_STAGES): one app's spec in,
 * the report's `image` section out. The plan resolved the app's boards to catalog ids (with
 * every board root), so the annotation lists board ids, whatever form the user typed.
 */
export async function packageStage(
  specs: readonly ContainerSpec[],
  config: ResolvedConfig,
  plan: Pick<BuildPlan, "sourceDateEpoch">,
  logger?: OciLogger,
): Promise<ImageReport> {
  const [spec] = specs;
  if (spec === undefined || specs.length !== 1)
    throw new OcreError("OCRE_INTERNAL", `oci.package takes one app's spec, got ${specs.length}`, { exitCode: 2 });
  return packageImage(spec, config, { sourceDateEpoch: plan.sourceDateEpoch, boards: config.boards }, logger);
}
