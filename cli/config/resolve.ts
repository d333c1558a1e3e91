import path from "node:path";
import { stat } from "node:fs/promises";
import { OcreError } from "../errors.js";
import { fixedMemoryPages } from "../pipeline/fixed-memory.js";
import { loadManifest, type Manifest } from "./manifest.js";
import type { OptimizeProfile, ResolvedConfig, RuntimeVariant } from "./types.js";

/** Command-line overrides of manifest fields (undefined: keep the manifest's value). */
export interface ConfigFlags {
  debug?: boolean;
  optimize?: OptimizeProfile;
  runtime?: RuntimeVariant;
  /** Output directory; relative paths are resolved against the app directory. */
  outDir?: string;
  /** Boards named on the command line replace the manifest's default boards. */
  boards?: readonly string[];
}

const OPTIMIZE: readonly OptimizeProfile[] = ["size", "speed"];
const RUNTIME: readonly RuntimeVariant[] = ["stub", "minimal", "incremental"];

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Merges a validated manifest with flags into the frozen config every stage reads. */
export function mergeConfig(
  appDir: string,
  manifestPath: string,
  manifest: Manifest,
  flags: ConfigFlags = {},
): ResolvedConfig {
  if (flags.optimize !== undefined && !OPTIMIZE.includes(flags.optimize)) {
    throw new OcreError(
      "OCRE_FLAG_INVALID",
      `--optimize must be one of ${OPTIMIZE.join(", ")} (got "${flags.optimize}")`,
    );
  }
  if (flags.runtime !== undefined && !RUNTIME.includes(flags.runtime)) {
    throw new OcreError("OCRE_FLAG_INVALID", `--runtime must be one of ${RUNTIME.join(", ")} (got "${flags.runtime}")`);
  }
  const runtime = flags.runtime ?? manifest.runtime;
  if (runtime === "incremental" && manifest.memory.arena !== undefined) {
    // The incremental collector sizes itself from memory.size(), which fixed memory must not ask.
    throw new OcreError(
      "OCRE_MANIFEST_INVALID",
      `${manifestPath}: runtime "incremental" needs growable memory, but memory.arena makes the memory fixed`,
      {
        hint: 'use runtime "minimal" (collected between events) with memory.arena, or memory.initialPages/maxPages instead of the arena',
      },
    );
  }
  const entry = path.resolve(appDir, manifest.entry);
  const rel = path.relative(appDir, entry);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new OcreError(
      "OCRE_MANIFEST_INVALID",
      `${manifestPath}: entry "${manifest.entry}" is outside the app directory`,
      {
        hint: "entry is relative to the app directory, e.g. assembly/index.ts",
      },
    );
  }
  if (manifest.memory.arena !== undefined && /\.wasm$/i.test(manifest.entry)) {
    // Fixed memory is made by the build (it exports what WAMR shrinks the memory to); a prebuilt
    // module is packaged as its toolchain wrote it.
    throw new OcreError(
      "OCRE_MANIFEST_INVALID",
      `${manifestPath}: memory.arena (fixed memory) needs an AssemblyScript entry, but entry "${manifest.entry}" is a prebuilt module`,
      { hint: "size a prebuilt module's memory with memory.initialPages/maxPages (and its linker's --max-memory)" },
    );
  }
  return deepFreeze({
    appDir,
    manifestPath,
    buildDir: path.resolve(appDir, flags.outDir ?? "build"),
    name: manifest.name,
    version: manifest.version,
    entry,
    capabilities: [...manifest.capabilities],
    gpio: manifest.gpio === undefined ? undefined : [...manifest.gpio],
    restart: manifest.restart,
    memory:
      manifest.memory.arena === undefined
        ? {
            initialPages: manifest.memory.initialPages,
            maxPages: manifest.memory.maxPages,
            stackBytes: manifest.memory.stack,
            heapBytes: manifest.memory.heap,
          }
        : {
            ...fixedMemoryPages(manifest.memory.arena),
            stackBytes: manifest.memory.stack,
            heapBytes: manifest.memory.heap,
            arenaBytes: manifest.memory.arena,
          },
    runtime,
    optimize: flags.optimize ?? manifest.optimize,
    debug: flags.debug ?? false,
    boards: [...(flags.boards ?? manifest.boards)],
    trust: (manifest.trust ?? []).map((file) => path.resolve(appDir, file)),
    image: { repository: manifest.image.repository ?? manifest.name, tag: manifest.image.tag ?? manifest.version },
    args: [...manifest.args],
    env: { ...manifest.env },
    ...(manifest.device?.agent
      ? {
          agent: {
            ...manifest.device.agent,
            // Relative to the manifest, like trust:.
            ...(manifest.device.agent.registryCa === undefined
              ? {}
              : { registryCa: path.resolve(appDir, manifest.device.agent.registryCa) }),
          },
        }
      : {}),
  } satisfies ResolvedConfig);
}

/**
 * The one resolver: reads `<appDir>/ocre.yaml`, validates it against the shipped schema and
 * merges the flags. Errors name the field's path and what is allowed.
 */
export async function resolveConfig(appDir: string, flags: ConfigFlags = {}): Promise<ResolvedConfig> {
  const dir = path.resolve(appDir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new OcreError("OCRE_APP_DIR_MISSING", `app directory ${dir} does not exist`, {
      hint: "name an app directory (one with ocre.yaml), or create one with `ocre new <dir>`",
    });
  }
  const { manifest, manifestPath } = await loadManifest(dir);
  const config = mergeConfig(dir, manifestPath, manifest, flags);
  const entryInfo = await stat(config.entry).catch(() => undefined);
  if (!entryInfo?.isFile()) {
    throw new OcreError(
      "OCRE_ENTRY_MISSING",
      `entry file ${path.relative(dir, config.entry)} does not exist in ${dir}`,
      {
        hint: `set "entry" in ${manifestPath} (default assembly/index.ts)`,
      },
    );
  }
  return config;
}
