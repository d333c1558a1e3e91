import path from "node:path";
import { REPORT_FILE } from "../report.js";
import { CACHE_FILE, lookupInvocation, type CacheEntry } from "./cache.js";
import type { AppBuild, BuildResult, Logger } from "./build.js";

/*
 * The no-op build, apart from the build driver (./build.ts) so that answering a repeated
 * `ocre build` loads only the cache: not the plan, the board catalog (ajv, yaml) or any stage.
 */

const silent: Logger = { info: () => {}, warn: () => {}, debug: () => {} };

/** An app served from its cache entry. */
export function cachedAppBuild(
  appDir: string,
  buildDir: string,
  entry: CacheEntry,
  wasm: Uint8Array,
  logger: Logger,
): AppBuild {
  logger.debug(`${entry.spec.name}: unchanged, served from ${path.join(buildDir, CACHE_FILE)}`);
  return {
    config: undefined,
    appDir,
    buildDir,
    spec: Object.freeze({ ...entry.spec, wasm }),
    report: entry.report,
    cached: true,
    wasmPath: path.join(buildDir, entry.report.app.wasm),
    reportPath: path.join(buildDir, REPORT_FILE),
    warnings: entry.report.stages.validate.warnings,
  };
}

/**
 * The no-op answer to a repeated command line (CLI fast path): every app built by the same
 * invocation, with unchanged inputs and outputs. Undefined means "run the real build".
 */
export async function buildFromCache(
  appDirs: readonly string[],
  invocation: string,
  logger: Logger = silent,
): Promise<BuildResult | undefined> {
  const hits = await Promise.all(
    appDirs.map(async (appDir) => {
      const buildDir = path.join(appDir, "build");
      const hit = await lookupInvocation(buildDir, invocation, appDirs);
      return hit && cachedAppBuild(appDir, buildDir, hit.entry, hit.wasm, logger);
    }),
  );
  return hits.every((h) => h !== undefined) ? { apps: hits as AppBuild[] } : undefined;
}
