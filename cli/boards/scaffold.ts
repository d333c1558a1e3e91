import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { OcreError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { findBoard, readBoardFile, type BoardCatalog } from "./catalog.js";
import type { LoadedBoard } from "./types.js";

export interface AddBoardOptions {
  /** New board id (file name and build/<id>/ folder). */
  id: string;
  /** Catalog id to copy. */
  from: string;
  /** The app directory; the file goes to <appDir>/boards/<id>.yaml. */
  appDir: string;
  /** Replace an existing file. */
  force?: boolean;
}

export interface AddBoardResult {
  readonly file: string;
  readonly board: LoadedBoard;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Copies a catalog board into the app's boards/ folder under a new id, marked generate-only
 * until the integrator verifies it. Comments of the base file are kept (the YAML document is
 * edited, not re-serialised from data), so the copy explains itself.
 */
export async function addBoard(catalog: BoardCatalog, options: AddBoardOptions): Promise<AddBoardResult> {
  if (!ID_PATTERN.test(options.id)) {
    throw new OcreError("OCRE_BOARD_ID", `"${options.id}" is not a valid board id`, {
      hint: "use lowercase letters, digits, '-' and '_' (it becomes a file and folder name), e.g. my-board",
    });
  }
  const base = findBoard(catalog, options.from);
  const file = path.join(options.appDir, "boards", `${options.id}.yaml`);
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists && !options.force) {
    throw new OcreError("OCRE_BOARD_EXISTS", `${file} already exists`, {
      hint: "edit it, or pass --force to overwrite it",
    });
  }
  const doc = parseDocument(await readFile(base.file, "utf8"));
  doc.set("id", options.id);
  doc.set("name", `${base.board.name} (custom copy: ${options.id})`);
  doc.set("status", "generate-only");
  doc.set("statusNote", `Copied from ${base.board.id} by \`ocre boards add\`; not verified yet.`);
  // The base board's evidence is not this board's.
  doc.delete("evidence");
  doc.commentBefore =
    ` Board ${options.id}, scaffolded from ${base.board.id} by \`ocre boards add\`.\n` +
    ` Edit the Zephyr board target (zephyr[].board), memory, aliases, modules and toolchain to match\n` +
    ` your hardware; fields are described in docs/boards.md and checked by board.schema.json.\n` +
    ` Set status to "builds" or "boots-in-emulator" once you have verified it, with the evidence\n` +
    ` (kind: manual or test, check: the commands or test that showed it, date: YYYY-MM-DD).`;
  await writeFileAtomic(file, doc.toString({ lineWidth: 0 }));
  // Read it back through the validator: what we wrote must load like any other board file.
  const board = await readBoardFile(file, "app");
  return { file, board };
}
