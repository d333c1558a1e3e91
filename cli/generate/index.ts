import path from "node:path";
import { OcreError } from "../errors.js";
import { loadCatalog, selectBoards } from "../boards/catalog.js";
import type { Board, BoardStatus, ZephyrTarget } from "../boards/types.js";
import { boardTarget, DEFAULT_BOARD, resolveZephyrRelease, type ZephyrRelease } from "../boards/zephyr.js";
import type { ResolvedConfig } from "../config/types.js";
import type { ContainerSpec } from "../spec.js";
import { describeBudget, estimateBudget, kb, type MemoryBudget } from "./budget.js";
import { writeProject } from "./project.js";

/**
 * What `ocre build` passes from its flags (the fields of the pipeline's BuildOptions this stage
 * reads).
 */
export interface GenerateOptions {
  /**
   * `--board` values (ids, Zephyr targets or `all`; an empty value is the default board,
   * mps2-an521); unset → the manifest's boards. No board at all → no project.
   */
  readonly boards?: readonly string[];
  /** `--board-root` folders, relative to the app dir. */
  readonly boardRoots?: readonly string[];
  /** `--zephyr` (3.7 default, 4.4). */
  readonly zephyr?: string;
  /** Generate even when the memory estimate does not fit the board. */
  readonly force?: boolean;
  /** Parent of build/<board>/ (`--out`); defaults to the first app's build dir. */
  readonly out?: string;
  /** `--firmware`: the firmware stage builds what this stage generates. */
  readonly firmware?: boolean;
}

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
  readonly dir: string;
  readonly files: readonly string[];
  /** Containers in start order. */
  readonly containers: readonly string[];
  readonly budget: MemoryBudget;
  /** True when --force let an over-budget project through. */
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
 * Resolves `--zephyr` and the requested boards to catalog boards and their Zephyr targets, or
 * throws the error a user sees (unknown board with the closest ids, unsupported version).
 */
async function selectTargets(
  requested: readonly string[],
  appDir: string,
  options: GenerateOptions,
  logger: GenerateLogger,
): Promise<{ release: ZephyrRelease; selected: { board: Board; target: ZephyrTarget }[] }> {
  const release = resolveZephyrRelease(options.zephyr);
  const catalog = await loadCatalog({ appDir, boardRoots: options.boardRoots ?? [] });
  for (const o of catalog.overridden) logger.debug(`board ${o.id}: ${o.by} overrides ${o.file}`);
  const selected = selectBoards(catalog, requested).map(({ board }) => ({
    board,
    target: boardTarget(board, release),
  }));
  return { release, selected };
}

/**
 * Checks `--board`, `--board-root` and `--zephyr` before anything is compiled, so that a typo
 * fails at once and leaves the build folder alone. Generation checks them again.
 */
export async function checkBoardOptions(appDir: string, options: GenerateOptions): Promise<void> {
  if (options.boards && options.boards.length > 0)
    await selectTargets(
      options.boards.map((b) => (b.trim() === "" ? DEFAULT_BOARD : b)),
      appDir,
      options,
      silent,
    );
  else resolveZephyrRelease(options.zephyr);
}

/**
 * The `ocre build` stage: generates build/<board>/ west projects embedding every container of
 * `specs`, in order. `config` is the first app's resolved config (its build dir is the default
 * output, its boards/ folder is searched). Checks every board's memory budget before writing
 * any. Returns the report's `boards` section, or undefined when no board was asked for.
 */
export async function generateProjects(
  specs: readonly ContainerSpec[],
  config: ResolvedConfig,
  options: GenerateOptions = {},
  logger: GenerateLogger = silent,
): Promise<BoardsReport | undefined> {
  const asked = options.boards && options.boards.length > 0 ? options.boards : config.boards;
  // --firmware needs a project: with no board named anywhere it builds the default board.
  const requested =
    asked.length === 0 && options.firmware ? [DEFAULT_BOARD] : asked.map((b) => (b.trim() === "" ? DEFAULT_BOARD : b));
  if (requested.length === 0) return undefined;
  if (specs.length === 0) {
    throw new OcreError("OCRE_GENERATE_EMPTY", "no container to embed", { hint: "build an app first", exitCode: 2 });
  }
  const { release, selected } = await selectTargets(requested, config.appDir, options, logger);
  const duplicate = specs.find((s, i) => specs.findIndex((o) => o.name === s.name) !== i);
  if (duplicate) {
    logger.warn(`container ${JSON.stringify(duplicate.name)} is embedded more than once; each copy runs`);
  }

  const plans = selected.map(({ board, target }) => ({ board, target, budget: estimateBudget(board, specs) }));
  const over = plans.filter((p) => !p.budget.fits);
  if (over.length > 0 && !options.force) {
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
        hint: "lower memory.maxPages, memory.heapBytes or memory.stackBytes in ocre.yaml, pick a larger board, or pass --force to generate anyway",
      },
    );
  }

  // Same rule as the firmware stage, which builds what lands here.
  const outDir = options.out ? path.resolve(options.out) : config.buildDir;
  const report: BoardsReport = {};
  for (const plan of plans) {
    const dir = path.join(outDir, plan.board.id);
    const warnings = [
      ...(plan.budget.fits ? [] : [`${plan.board.id}: over its memory budget, generated anyway (--force)`]),
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
    });
    logger.info(
      `generated ${path.relative(process.cwd(), dir) || dir} for ${plan.target.board} (Zephyr ${release.zephyrRevision}, ${plan.board.status})`,
    );
    report[plan.board.id] = {
      board: plan.board.id,
      zephyrBoard: plan.target.board,
      zephyr: release.zephyrRevision,
      wamr: release.wamrRevision,
      status: plan.board.status,
      dir,
      files: result.files,
      containers: specs.map((s) => s.name),
      budget: plan.budget,
      forced: !plan.budget.fits,
      warnings,
    };
  }
  return report;
}
