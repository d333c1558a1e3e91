import { access } from "node:fs/promises";
import path from "node:path";
import { loadCatalog, selectBoards } from "../boards/catalog.js";
import { DEFAULT_BOARD, resolveZephyrRelease } from "../boards/zephyr.js";
import type { ResolvedConfig } from "../config/types.js";
import { OcreError } from "../errors.js";
import type { ContainerSpec } from "../spec.js";
import { buildFirmware, type FirmwareLogger, type FirmwareReport, type GeneratedProjects } from "./build.js";
import type { ToolchainKind } from "./doctor/doctor.js";
import type { Env } from "./doctor/probe.js";

/** The `ocre build` options the firmware stage reads (flags `--firmware`, `--toolchain`). */
export interface FirmwareStageOptions {
  readonly firmware?: boolean;
  readonly toolchain?: ToolchainKind;
  readonly boards?: readonly string[];
  readonly boardRoots?: readonly string[];
  readonly zephyr?: string;
  /** `--out`: parent of build/<board>/ (default the first app's build dir). */
  readonly out?: string;
  readonly env?: Env;
}

/**
 * The build pipeline's firmware stage (after the boards stage generated build/<board>/): with
 * `--firmware`, builds every selected board's project; otherwise does nothing. Returns the
 * `firmware` section of report.json.
 */
export async function firmwareStage(
  _specs: readonly ContainerSpec[],
  config: ResolvedConfig,
  options: FirmwareStageOptions,
  logger: FirmwareLogger,
): Promise<FirmwareReport | undefined> {
  if (!options.firmware) return undefined;
  const release = resolveZephyrRelease(options.zephyr);
  const catalog = await loadCatalog({ appDir: config.appDir, boardRoots: options.boardRoots ?? [] });
  const requested =
    options.boards && options.boards.length > 0
      ? options.boards
      : config.boards.length > 0
        ? config.boards
        : [DEFAULT_BOARD];
  const outDir = options.out ?? config.buildDir;
  const projects: Record<string, { dir: string; zephyr: string }> = {};
  for (const { board } of selectBoards(catalog, requested)) {
    const dir = path.join(outDir, board.id);
    await access(path.join(dir, "CMakeLists.txt")).catch(() => {
      throw new OcreError("OCRE_FIRMWARE_NO_PROJECT", `no generated project in ${dir}`, {
        hint: `ocre build --board ${board.id} generates it; --firmware builds it`,
        exitCode: 2,
      });
    });
    projects[board.id] = { dir, zephyr: release.zephyrRevision };
  }
  return buildFirmware(
    projects satisfies GeneratedProjects,
    config,
    { ...(options.toolchain ? { toolchain: options.toolchain } : {}), ...(options.env ? { env: options.env } : {}) },
    logger,
  );
}
