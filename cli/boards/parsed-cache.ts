import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { packageVersion } from "../version.js";
import type { Board } from "./types.js";

/**
 * Board files already parsed and validated, by content: $XDG_CACHE_HOME/ocre/boards.json (else
 * ~/.cache). Parsing YAML and compiling the board schema (yaml, ajv) take several times Node's
 * own start-up, and every command that reads the catalog would pay for them on each run
 * (`ocre boards`). An entry's key hashes the ocre version, the schema, the file's name and its
 * bytes, so any edit (or another ocre) misses and the file is parsed and checked again. The
 * cache is an optimisation only: unreadable, corrupt or unwritable means "parse".
 */
export interface ParsedBoards {
  get(key: string): Board | undefined;
  /** Remembers a board parsed in this run. */
  set(key: string, board: Board): void;
  /** Writes the entries used or added in this run, if anything was added. */
  save(): Promise<void>;
}

const FORMAT = 1;
/** Bounds the file whatever board roots come and go: only what the last run used is kept. */
const MAX_ENTRIES = 500;

export function cacheFile(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const root = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME ?? os.homedir(), ".cache");
  return path.join(root, "ocre", "boards.json");
}

export function boardKey(schemaText: string, file: string, text: string): string {
  return createHash("sha256")
    .update(`${FORMAT}\0${packageVersion()}\0${schemaText}\0${path.basename(file)}\0${text}`)
    .digest("hex");
}

export async function openParsedBoards(file = cacheFile()): Promise<ParsedBoards> {
  let stored: Record<string, Board> = {};
  try {
    const data = JSON.parse(await readFile(file, "utf8")) as { format?: unknown; boards?: unknown };
    if (data.format === FORMAT && typeof data.boards === "object" && data.boards !== null)
      stored = data.boards as Record<string, Board>;
  } catch {
    // Absent or unreadable: everything is parsed.
  }
  const used = new Map<string, Board>();
  let added = false;
  return {
    get(key) {
      const board = Object.hasOwn(stored, key) ? stored[key] : undefined;
      if (board !== undefined) used.set(key, board);
      return board;
    },
    set(key, board) {
      used.set(key, board);
      added = true;
    },
    async save() {
      if (!added || used.size > MAX_ENTRIES) return;
      await writeFileAtomic(file, JSON.stringify({ format: FORMAT, boards: Object.fromEntries(used) })).catch(
        () => undefined,
      );
    },
  };
}
