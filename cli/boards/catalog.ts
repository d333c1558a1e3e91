import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { OcreError } from "../errors.js";
import { boardsDir, schemasDir } from "../paths.js";
import { closest } from "../util/suggest.js";
import type { Board, BoardArch, BoardSource, LoadedBoard } from "./types.js";
import { rangeProblem } from "./zephyr.js";
import { boardKey, openParsedBoards, type ParsedBoards } from "./parsed-cache.js";

export interface CatalogOptions {
  /** The app directory: its boards/ folder is searched after the built-in catalog. */
  appDir?: string;
  /** Extra board folders (`--board-root`), searched last; later ones override earlier ones. */
  boardRoots?: readonly string[];
  /** Built-in catalog folder; defaults to the package's boards/. */
  builtinDir?: string;
}

/** Every board visible to an app, by id; overriding entries replace built-in ones. */
export interface BoardCatalog {
  readonly boards: readonly LoadedBoard[];
  /** Boards an app or board root replaced, for a debug line. */
  readonly overridden: readonly { id: string; file: string; by: string }[];
}

let validator: ValidateFunction | undefined;

let schemaText: Promise<string> | undefined;

function boardSchemaText(): Promise<string> {
  schemaText ??= readFile(path.join(schemasDir, "board.schema.json"), "utf8");
  return schemaText;
}

// ajv and yaml load only when a board file is parsed (not for boards served by parsed-cache.ts).
async function boardValidator(): Promise<ValidateFunction> {
  if (!validator) {
    const { Ajv } = await import("ajv");
    validator = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(await boardSchemaText()) as object);
  }
  return validator;
}

/** "zephyr[1].board", "memory.ramKb", or the property an object lacks. */
function fieldOf(error: ErrorObject): string {
  const pointer = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join("")
    .replace(/^\./, "");
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty;
  if (extra === undefined) return pointer || "(top level)";
  return pointer ? `${pointer}.${extra}` : extra;
}

function describe(error: ErrorObject): string {
  const params = error.params as { allowedValues?: unknown[]; additionalProperty?: string; missingProperty?: string };
  if (error.keyword === "required") return `missing required field`;
  if (error.keyword === "additionalProperties") return `unknown field`;
  if (error.keyword === "enum" && params.allowedValues)
    return `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  return error.message ?? error.keyword;
}

/**
 * Reads and validates one board file; the error names the file and the field. With `parsed`, a
 * file whose exact bytes were already checked is taken from that cache.
 */
export async function readBoardFile(
  file: string,
  source: BoardSource = "built-in",
  parsed?: ParsedBoards,
): Promise<LoadedBoard> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new OcreError("OCRE_BOARD_FILE", `cannot read board file ${file}: ${error.code ?? error.message}`);
  });
  const key = parsed === undefined ? undefined : boardKey(await boardSchemaText(), file, text);
  const known = key === undefined ? undefined : parsed?.get(key);
  if (known !== undefined) return Object.freeze({ board: deepFreeze(known), file, source });
  const { parse: parseYaml, YAMLParseError } = await import("yaml");
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `:${error.linePos[0].line}` : "";
    throw new OcreError("OCRE_BOARD_INVALID", `board file ${file}${where} is not valid YAML`, {
      details: [error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)],
      hint: "fix the YAML syntax; `ocre boards show mps2-an521` prints a valid example",
    });
  }
  const validate = await boardValidator();
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // oneOf/if branches repeat the real error; show the specific ones first.
    const specific = errors.filter((e) => e.keyword !== "oneOf");
    const lines = (specific.length > 0 ? specific : errors).map((e) => `  ${fieldOf(e)}: ${describe(e)}`);
    const first = specific[0] ?? errors[0];
    throw new OcreError("OCRE_BOARD_INVALID", `board file ${file}: field ${first ? fieldOf(first) : "?"} is invalid`, {
      details: [...new Set(lines)],
      hint: "see docs/boards.md for every field; `ocre boards show <id> --json` prints a valid board",
    });
  }
  const raw = data as Omit<Board, "overlay" | "kconfig"> & Partial<Pick<Board, "overlay" | "kconfig">>;
  const board: Board = { ...raw, overlay: raw.overlay ?? "", kconfig: raw.kconfig ?? [] };
  const expected = path.basename(file).replace(/\.ya?ml$/, "");
  if (board.id !== expected) {
    throw new OcreError(
      "OCRE_BOARD_INVALID",
      `board file ${file}: field id is "${board.id}" but the file is named ${expected}.yaml`,
      {
        hint: `rename the file to ${board.id}.yaml or set id: ${expected}`,
      },
    );
  }
  const problem = rangeProblem(board.zephyr);
  if (problem) {
    throw new OcreError("OCRE_BOARD_INVALID", `board file ${file}: field ${problem}`, {
      hint: "list Zephyr ranges in order, each starting after the previous one's `until`",
    });
  }
  if (key !== undefined) parsed?.set(key, board);
  return Object.freeze({ board: deepFreeze(board), file, source });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

async function boardFiles(dir: string, required: boolean): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names
      .filter((n) => /\.ya?ml$/.test(n) && !n.startsWith("."))
      .sort()
      .map((n) => path.join(dir, n));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && code === "ENOENT") return [];
    throw new OcreError("OCRE_BOARD_ROOT", `cannot read board folder ${dir}: ${code ?? String(error)}`, {
      hint: "--board-root takes a folder of <id>.yaml board files",
    });
  }
}

/** Loads the built-in catalog, then the app's boards/, then each --board-root. */
export async function loadCatalog(options: CatalogOptions = {}): Promise<BoardCatalog> {
  const sources: { dir: string; source: BoardSource; required: boolean }[] = [
    { dir: options.builtinDir ?? boardsDir, source: "built-in", required: true },
  ];
  // Inside the package itself (its own repo) the app's boards/ is the built-in catalog.
  const builtin = path.resolve(options.builtinDir ?? boardsDir);
  if (options.appDir && path.resolve(options.appDir, "boards") !== builtin)
    sources.push({ dir: path.join(options.appDir, "boards"), source: "app", required: false });
  for (const root of options.boardRoots ?? [])
    sources.push({ dir: path.resolve(options.appDir ?? ".", root), source: "board-root", required: true });

  const byId = new Map<string, LoadedBoard>();
  const overridden: { id: string; file: string; by: string }[] = [];
  const parsed = await openParsedBoards();
  for (const { dir, source, required } of sources) {
    for (const file of await boardFiles(dir, required)) {
      const loaded = await readBoardFile(file, source, parsed);
      const previous = byId.get(loaded.board.id);
      if (previous) overridden.push({ id: loaded.board.id, file: previous.file, by: file });
      byId.set(loaded.board.id, loaded);
    }
  }
  await parsed.save();
  const boards = [...byId.values()].sort((a, b) => a.board.id.localeCompare(b.board.id));
  return Object.freeze({ boards: Object.freeze(boards), overridden: Object.freeze(overridden) });
}

/** Also accepts a Zephyr board target (mps2/an521/cpu0) for convenience. */
export function findBoard(catalog: BoardCatalog, id: string): LoadedBoard {
  const wanted = id.trim();
  const found =
    catalog.boards.find((b) => b.board.id === wanted) ??
    catalog.boards.find((b) => b.board.zephyr.some((t) => t.board === wanted));
  if (found) return found;
  const ids = catalog.boards.map((b) => b.board.id);
  const near = closest(wanted, [...ids, ...catalog.boards.flatMap((b) => b.board.zephyr.map((t) => t.board))], 3);
  const nearIds = [
    ...new Set(
      near.map(
        (n) => catalog.boards.find((b) => b.board.id === n || b.board.zephyr.some((t) => t.board === n))?.board.id ?? n,
      ),
    ),
  ];
  throw new OcreError(
    "OCRE_BOARD_UNKNOWN",
    `no board "${wanted}"${nearIds.length > 0 ? `; did you mean ${nearIds.join(", ")}?` : ""}`,
    {
      hint: `\`ocre boards\` lists the ${ids.length} known boards; add your own with \`ocre boards add <id> --from ${DEFAULT_BASE}\``,
    },
  );
}

const DEFAULT_BASE = "mps2-an521";

/** Boards selected by `--board` values: ids, Zephyr targets, or `all`. Order kept, duplicates dropped. */
export function selectBoards(catalog: BoardCatalog, requested: readonly string[]): LoadedBoard[] {
  const picked: LoadedBoard[] = [];
  for (const request of requested
    .flatMap((r) => r.split(","))
    .map((r) => r.trim())
    .filter((r) => r !== "")) {
    const list = request === "all" ? catalog.boards : [findBoard(catalog, request)];
    for (const b of list) if (!picked.some((p) => p.board.id === b.board.id)) picked.push(b);
  }
  return picked;
}

/** Family names `--arch` accepts besides the exact arch (Cortex-M: "arm", "cortex-m"). */
const ARCH_FAMILIES: Partial<Record<BoardArch, string[]>> = {
  riscv32: ["riscv"],
  mips32: ["mips"],
  "x86-64": ["native", "x86"],
};

export function filterByArch(catalog: BoardCatalog, arch: string | undefined): LoadedBoard[] {
  if (arch === undefined) return [...catalog.boards];
  const archs = [...new Set(catalog.boards.map((b) => b.board.arch))];
  const wanted = arch.toLowerCase();
  // "riscv" or "arm" are what people type: accept a family prefix too.
  const family = (a: BoardArch): string[] =>
    a.startsWith("cortex-m") ? ["arm", "cortex-m"] : (ARCH_FAMILIES[a] ?? []);
  const matches = catalog.boards.filter((b) => b.board.arch === wanted || family(b.board.arch).includes(wanted));
  if (matches.length === 0) {
    throw new OcreError("OCRE_BOARD_ARCH", `no board has arch "${arch}"`, {
      hint: `known archs: ${archs.sort().join(", ")} (also: arm, cortex-m, riscv, mips)`,
    });
  }
  return matches;
}
