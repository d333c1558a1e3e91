import { readdir } from "node:fs/promises";
import path from "node:path";
import { loadCatalog, selectBoards, type BoardCatalog } from "../boards/catalog.js";
import type { Board, BoardSource, ZephyrTarget } from "../boards/types.js";
import { boardTarget, DEFAULT_BOARD, resolveZephyrRelease, type ZephyrRelease } from "../boards/zephyr.js";
import { OcreError } from "../errors.js";
import { boardsDir, templatesDir, wamrGlueDir, zephyrModuleDir } from "../paths.js";
import { CMAKE_DIR } from "../pipeline/outputs.js";
import { resolveConfig, type ConfigFlags } from "./resolve.js";
import type { AgentSettings, ResolvedConfig } from "./types.js";
import { resolveAgent } from "./agent.js";
import type { SignOption } from "../sign/stage.js";

export type ToolchainKind = "zephyr-sdk" | "gnu";

/** Everything `ocre build` takes from its command line, as the library sees it. */
export interface PlanFlags extends ConfigFlags {
  /** --rebuild: ignore the content-hash cache and run every stage. */
  readonly rebuild?: boolean;
  /** --allow-over-budget: generate board projects even when the memory estimate does not fit. */
  readonly allowOverBudget?: boolean;
  /** --out: parent of build/<board>/ (default the first app's build dir). */
  readonly out?: string;
  /** --firmware: build each board's generated project into a flashable image. */
  readonly firmware?: boolean;
  /** --toolchain for --firmware. */
  readonly toolchain?: ToolchainKind;
  /** --board-root folders (absolute, or relative to the first app's directory). */
  readonly boardRoots?: readonly string[];
  /** --zephyr ("3.7", "4.4"). */
  readonly zephyr?: string;
  /** SOURCE_DATE_EPOCH as the command found it (the image's `created` time). */
  readonly sourceDateEpoch?: string;
  /** --sign: sign each app's image (cli/sign/stage.ts) before the board stages embed it. */
  readonly sign?: SignOption;
  /** --trust: public key files the generated firmware trusts, besides the manifests' `trust:`. */
  readonly trust?: readonly string[];
  /** --agent: the device agent's transports ("tcp,serial") or "none"; overrides `device.agent`. */
  readonly agent?: string;
  /** --registry-ca (absolute): the registry CA of the agent's https pulls; overrides `device.agent.registryCa`. */
  readonly registryCa?: string;
}

/** A board the plan generates a project for, with the file it came from and its Zephyr target. */
export interface PlannedBoard {
  readonly board: Board;
  readonly file: string;
  readonly source: BoardSource;
  readonly target: ZephyrTarget;
}

/** A file the plan depends on beyond the app's sources; `found: false` means "must stay absent". */
export interface PlanInput {
  readonly path: string;
  readonly found: boolean;
}

/**
 * The one resolved description of a build: every app's manifest merged with the flags, the board
 * catalog with every root (built-in, the first app's boards/, each --board-root), the selected
 * boards with their Zephyr targets, the Zephyr release, the firmware options, and the cache and
 * budget choices. Resolved once and frozen; every stage and command reads it and none reloads a
 * catalog or re-derives an option. Its data and the bytes of every file in `inputs` make the
 * build's cache key.
 */
export interface BuildPlan {
  readonly apps: readonly ResolvedConfig[];
  /** Parent of build/<board>/ projects: --out, else the first app's build dir. */
  readonly outDir: string;
  /**
   * Caches that are not outputs (the firmware stage's CMake build trees): <outDir>/.ocre-cmake.
   * Stays where it is while the outputs are staged, so ninja's incremental builds survive.
   */
  readonly workDir: string;
  readonly catalog: BoardCatalog;
  readonly boardRoots: readonly string[];
  readonly zephyr: ZephyrRelease;
  /** Boards to generate (and with --firmware, build) in order; empty: no project stage. */
  readonly boards: readonly PlannedBoard[];
  readonly firmware: { readonly enabled: boolean; readonly toolchain?: ToolchainKind };
  readonly rebuild: boolean;
  readonly allowOverBudget: boolean;
  readonly sourceDateEpoch?: string;
  /** --sign: the key every app's image is signed with. */
  readonly sign?: SignOption;
  /** Public key files (absolute) the generated firmware trusts: every manifest's `trust:` and --trust. */
  readonly trust: readonly string[];
  /** The device agent the firmware carries (the first app's `device.agent`, --agent); absent: none. */
  readonly agent?: AgentSettings;
  /** Board files, project templates and module sources the plan uses (for the cache). */
  readonly inputs: readonly PlanInput[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Board ids as typed (`""` is the default board), or the default when --firmware needs one. */
function requestedBoards(flags: PlanFlags, manifestBoards: readonly string[]): string[] {
  const asked = flags.boards && flags.boards.length > 0 ? flags.boards : manifestBoards;
  if (asked.length === 0 && flags.firmware) return [DEFAULT_BOARD];
  return asked.map((b) => (b.trim() === "" ? DEFAULT_BOARD : b));
}

/** The board catalog the plan (and every command that names a board) uses. */
export async function planCatalog(appDir: string, boardRoots: readonly string[] = []): Promise<BoardCatalog> {
  return loadCatalog({ appDir, boardRoots });
}

/**
 * Every file a board's entry depends on: its own file, and the places where a file with its id
 * would override it (a later root), which must stay absent.
 */
function boardInputs(planned: PlannedBoard, appDir: string, roots: readonly string[]): PlanInput[] {
  const later: string[] = [];
  if (planned.source === "built-in") later.push(path.join(appDir, "boards"));
  if (planned.source !== "board-root") later.push(...roots);
  else later.push(...roots.slice(roots.indexOf(path.dirname(planned.file)) + 1));
  return [
    { path: planned.file, found: true },
    ...later
      .filter((dir) => path.resolve(dir) !== path.resolve(boardsDir))
      .flatMap((dir) => [".yaml", ".yml"].map((ext) => path.join(dir, `${planned.board.id}${ext}`)))
      .filter((file) => file !== planned.file)
      .map((file) => ({ path: file, found: false })),
  ];
}

/** --registry-ca overrides the manifest's `device.agent.registryCa`; it needs an agent to give it to. */
function withRegistryCa(
  agent: AgentSettings | undefined,
  flag: string | undefined,
  appDir: string,
): AgentSettings | undefined {
  if (flag === undefined) return agent;
  if (agent === undefined) {
    throw new OcreError(
      "OCRE_AGENT_TLS",
      "--registry-ca is for the device agent's pulls, but the firmware has no agent",
      {
        hint: "add --agent tcp (or ocre.yaml `device.agent`), or drop --registry-ca",
      },
    );
  }
  return { ...agent, registryCa: path.resolve(appDir, flag) };
}

/**
 * Resolves `ocre build`'s apps and flags into the frozen BuildPlan. Throws the user's error
 * (unknown board, unsupported Zephyr version, bad manifest) before anything is compiled.
 */
export async function resolveBuildPlan(dirs: readonly string[], flags: PlanFlags = {}): Promise<BuildPlan> {
  if (dirs.length === 0) throw new OcreError("OCRE_USAGE", "no app directory given", { hint: "ocre build [dir..]" });
  const apps: ResolvedConfig[] = [];
  for (const dir of dirs) apps.push(await resolveConfig(path.resolve(dir), flags));
  const first = apps[0]!;
  return planFor(apps, first.appDir, flags);
}

/**
 * The plan for apps already resolved (or, for `--from-image`, a config made from an image):
 * catalog, boards, Zephyr release and firmware options. `appDir` is where the app's boards/ is.
 */
export async function planFor(
  apps: readonly ResolvedConfig[],
  appDir: string,
  flags: PlanFlags = {},
): Promise<BuildPlan> {
  const first = apps[0];
  if (first === undefined) throw new OcreError("OCRE_INTERNAL", "a build plan needs an app", { exitCode: 2 });
  const zephyr = resolveZephyrRelease(flags.zephyr);
  const boardRoots = (flags.boardRoots ?? []).map((r) => path.resolve(appDir, r));
  const catalog = await planCatalog(appDir, boardRoots);
  const boards = selectBoards(catalog, requestedBoards(flags, first.boards)).map((loaded): PlannedBoard => ({
    board: loaded.board,
    file: loaded.file,
    source: loaded.source,
    target: boardTarget(loaded.board, zephyr),
  }));
  // Each app's image names the boards it was budgeted for, as catalog ids whatever form was typed.
  const resolvedApps = apps.map((config) => {
    const asked = flags.boards && flags.boards.length > 0 ? flags.boards : config.boards;
    const ids = selectBoards(
      catalog,
      asked.map((b) => (b.trim() === "" ? DEFAULT_BOARD : b)),
    ).map((b) => b.board.id);
    return { ...config, boards: ids };
  });
  const inputs: PlanInput[] = boards.flatMap((b) => boardInputs(b, appDir, boardRoots));
  if (boards.length > 0) {
    // What a generated project is made of: the templates and the ocre module it copies.
    for (const dir of [path.join(templatesDir, "west"), zephyrModuleDir, wamrGlueDir])
      for (const file of await filesUnder(dir)) inputs.push({ path: file, found: true });
  }
  const trust = [
    ...new Set([...apps.flatMap((a) => a.trust ?? []), ...(flags.trust ?? []).map((k) => path.resolve(appDir, k))]),
  ];
  // The key files' bytes are part of what the firmware embeds.
  for (const file of trust) inputs.push({ path: file, found: true });
  const outDir = flags.out ? path.resolve(appDir, flags.out) : first.buildDir;
  const agent = withRegistryCa(await resolveAgent(first.agent, flags.agent), flags.registryCa, appDir);
  if (agent?.registryCa !== undefined && boards.length > 0) {
    // Refused here, before anything is compiled, as well as where the project takes its bytes.
    const { loadRegistryCa } = await import("../generate/registry-ca.js");
    await loadRegistryCa(agent.registryCa);
    // The CA's bytes are part of what the firmware embeds.
    inputs.push({ path: agent.registryCa, found: true });
  }
  return deepFreeze({
    apps: resolvedApps,
    outDir,
    workDir: path.join(outDir, CMAKE_DIR),
    catalog,
    boardRoots,
    zephyr,
    boards,
    firmware: { enabled: flags.firmware === true, ...(flags.toolchain ? { toolchain: flags.toolchain } : {}) },
    rebuild: flags.rebuild === true,
    allowOverBudget: flags.allowOverBudget === true,
    ...(flags.sourceDateEpoch ? { sourceDateEpoch: flags.sourceDateEpoch } : {}),
    ...(flags.sign ? { sign: flags.sign } : {}),
    trust,
    ...(agent ? { agent } : {}),
    inputs,
  } satisfies BuildPlan);
}

/**
 * The plan as it enters the cache key: plain data, paths relative to the first app's directory
 * (so a moved checkout keeps its cache and the cache holds no absolute paths). The bytes of the
 * files in `inputs` are hashed separately.
 */
export function planKey(plan: BuildPlan): unknown {
  const base = plan.apps[0]?.appDir ?? ".";
  const rel = (p: string) => (p === "" ? "" : path.relative(base, p));
  return {
    apps: plan.apps.map((a) => ({
      ...a,
      appDir: rel(a.appDir),
      manifestPath: rel(a.manifestPath),
      buildDir: rel(a.buildDir),
      entry: rel(a.entry),
    })),
    outDir: rel(plan.outDir),
    boardRoots: plan.boardRoots.map(rel),
    zephyr: plan.zephyr,
    boards: plan.boards.map((b) => ({ board: b.board, source: b.source, target: b.target })),
    firmware: plan.firmware,
    allowOverBudget: plan.allowOverBudget,
    sourceDateEpoch: plan.sourceDateEpoch ?? null,
    sign: plan.sign?.fingerprint ?? null,
    trust: plan.trust.map(rel),
    agent: plan.agent
      ? { ...plan.agent, ...(plan.agent.registryCa ? { registryCa: rel(plan.agent.registryCa) } : {}) }
      : null,
  };
}
