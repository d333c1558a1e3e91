import path from "node:path";
import { OcreError } from "../errors.js";
import type { Board, BoardStatus } from "../boards/types.js";
import type { BuildPlan } from "../config/plan.js";
import type { ResolvedConfig } from "../config/types.js";
import type { ContainerSpec } from "../spec.js";
import { describeBudget, estimateBudget, kb, type MemoryBudget } from "./budget.js";
import { planAgent, type AgentProject } from "./agent.js";
import { loadRegistryCa } from "./registry-ca.js";
import { writeProject } from "./project.js";

/** Anything with these three methods (cli/ui/output.ts Output fits). */
export interface GenerateLogger {
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
}

export interface BoardReport {
  readonly board: string;
  readonly zephyrBoard: string;
  readonly zephyr: string;
  readonly wamr: string;
  readonly status: BoardStatus;
  /** The project folder relative to the output folder (the board id). */
  readonly dir: string;
  readonly files: readonly string[];
  /** Containers in start order. */
  readonly containers: readonly string[];
  readonly budget: MemoryBudget;
  /** True when --allow-over-budget let an over-budget project through. */
  readonly forced: boolean;
  readonly warnings: readonly string[];
}

/** The `boards` section of build/report.json, keyed by board id. */
export type BoardsReport = Record<string, BoardReport>;

const silent: GenerateLogger = { info: () => {}, warn: () => {}, debug: () => {} };

/** Containers that use GPIO or sensors on a board whose devicetree offers none will find nothing. */
function deviceWarnings(board: Board, specs: readonly ContainerSpec[]): string[] {
  const uses = (feature: string) => specs.filter((s) => s.features.some((f) => f === feature)).map((s) => s.name);
  const gpio = uses("gpio");
  const sensors = uses("sensors");
  return [
    ...(gpio.length > 0 && board.aliases.length === 0
      ? [
          `${board.id}: ${gpio.join(", ")} use${gpio.length === 1 ? "s" : ""} GPIO, but the board has no devicetree aliases (led0, sw0, …)`,
        ]
      : []),
    ...(sensors.length > 0 && board.sensors.length === 0
      ? [`${board.id}: ${sensors.join(", ")} use${sensors.length === 1 ? "s" : ""} sensors, but the board lists none`]
      : []),
  ];
}

/**
 * The `ocre build` stage: generates a west project under plan.outDir/<board>/ for every board of
 * the plan, embedding every container of `specs` in order. Checks every board's memory budget
 * before writing any. Returns the report's `boards` section, or undefined when the plan has no
 * board.
 */
export async function generateProjects(
  specs: readonly ContainerSpec[],
  _config: ResolvedConfig,
  plan: BuildPlan,
  logger: GenerateLogger = silent,
): Promise<BoardsReport | undefined> {
  if (plan.boards.length === 0) return undefined;
  if (specs.length === 0) {
    throw new OcreError("OCRE_GENERATE_EMPTY", "no container to embed", { hint: "build an app first", exitCode: 2 });
  }
  const release = plan.zephyr;
  const duplicate = specs.find((s, i) => specs.findIndex((o) => o.name === s.name) !== i);
  if (duplicate) {
    logger.warn(`container ${JSON.stringify(duplicate.name)} is embedded more than once; each copy runs`);
  }

  // The device agent: every board must offer what it asks for (a store, the transports, a key
  // to trust), checked before the budget and before any project is written.
  const agentSettings = plan.agent;
  const registryCa =
    agentSettings?.registryCa === undefined ? undefined : await loadRegistryCa(agentSettings.registryCa);
  const agents = new Map<string, AgentProject>(
    agentSettings
      ? plan.boards.map(({ board }) => [board.id, planAgent(board, agentSettings, plan.trust.length, registryCa)])
      : [],
  );
  const plans = plan.boards.map(({ board, target }) => ({
    board,
    target,
    budget: estimateBudget(board, specs, plan.agent),
  }));
  const over = plans.filter((p) => !p.budget.fits);
  if (over.length > 0 && !plan.allowOverBudget) {
    const details = over.flatMap((p) => [
      `${p.board.id} (${p.board.memory.ramKb} KB RAM, ${p.board.memory.flashKb} KB flash):`,
      ...describeBudget(p.budget).map((l) => `  ${l}`),
    ]);
    const first = over[0];
    const summary = first
      ? `RAM ${kb(first.budget.ram.totalBytes)} needed of ${kb(first.budget.ram.availableBytes)}, flash ${kb(first.budget.flash.totalBytes)} of ${kb(first.budget.flash.availableBytes)}`
      : "";
    throw new OcreError(
      "OCRE_BUDGET",
      `the container(s) do not fit ${over.map((p) => p.board.id).join(", ")}: ${summary}`,
      {
        details,
        hint: `lower memory.arena (fixed memory) or memory.maxPages (growable), memory.heap or memory.stack${plan.agent ? ", or device.agent.pool (the installed containers' share of the pool)" : ""}${plan.agent?.registryCa ? ", or build without device.agent.registryCa (pulls over https)" : ""} in ocre.yaml, pick a larger board, or pass --allow-over-budget to generate anyway`,
      },
    );
  }

  // --trust: the keys to embed and each container's signature, found in the apps' (staged)
  // build/oci or the user store (docs/signing.md).
  const { planTrust } = await import("../sign/embed.js");
  const { userStoreDir } = await import("../oci/store.js");
  const trust = await planTrust(plan.trust, specs, [
    ...plan.apps.map((a) => path.join(a.buildDir, "oci")),
    userStoreDir(),
  ]);
  for (const w of trust?.warnings ?? []) logger.warn(w);

  const outDir = plan.outDir;
  const report: BoardsReport = {};
  for (const plan of plans) {
    const dir = path.join(outDir, plan.board.id);
    const warnings = [
      ...(plan.budget.fits ? [] : [`${plan.board.id}: over its memory budget, generated anyway (--allow-over-budget)`]),
      ...deviceWarnings(plan.board, specs),
    ];
    for (const w of warnings) logger.warn(w);
    for (const line of describeBudget(plan.budget)) logger.debug(`${plan.board.id}: ${line}`);
    const result = await writeProject({
      board: plan.board,
      target: plan.target,
      release,
      specs,
      budget: plan.budget,
      dir,
      trust,
      agent: agents.get(plan.board.id),
    });
    logger.info(
      `generated ${plan.board.id}/ for ${plan.target.board} (Zephyr ${release.zephyrRevision}, ${plan.board.status})`,
    );
    report[plan.board.id] = {
      board: plan.board.id,
      zephyrBoard: plan.target.board,
      zephyr: release.zephyrRevision,
      wamr: release.wamrRevision,
      status: plan.board.status,
      dir: plan.board.id,
      files: result.files,
      containers: specs.map((s) => s.name),
      budget: plan.budget,
      forced: !plan.budget.fits,
      warnings,
    };
  }
  return report;
}
