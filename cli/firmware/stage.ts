import { access } from "node:fs/promises";
import path from "node:path";
import type { BuildPlan } from "../config/plan.js";
import type { ResolvedConfig } from "../config/types.js";
import { OcreError } from "../errors.js";
import type { ContainerSpec } from "../spec.js";
import { buildFirmware, type FirmwareLogger, type FirmwareReport, type GeneratedProjects } from "./build.js";

/**
 * The build pipeline's firmware stage (after the boards stage generated plan.outDir/<board>/):
 * with `--firmware`, builds every board of the plan; otherwise does nothing. Returns the
 * `firmware` section of report.json.
 */
export async function firmwareStage(
  _specs: readonly ContainerSpec[],
  _config: ResolvedConfig,
  plan: BuildPlan,
  logger: FirmwareLogger,
): Promise<FirmwareReport | undefined> {
  if (!plan.firmware.enabled) return undefined;
  const projects: Record<string, { dir: string; zephyr: string }> = {};
  for (const { board } of plan.boards) {
    const dir = path.join(plan.outDir, board.id);
    await access(path.join(dir, "CMakeLists.txt")).catch(() => {
      throw new OcreError("OCRE_FIRMWARE_NO_PROJECT", `no generated project in ${dir}`, {
        hint: `ocre build --board ${board.id} generates it; --firmware builds it`,
        exitCode: 2,
      });
    });
    projects[board.id] = { dir: board.id, zephyr: plan.zephyr.zephyrRevision };
  }
  return buildFirmware(projects satisfies GeneratedProjects, plan, {}, logger);
}
