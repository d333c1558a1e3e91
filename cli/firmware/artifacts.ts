import { createHash } from "node:crypto";
import { access, readFile, readdir } from "node:fs/promises";
import { OcreError } from "../errors.js";
import path from "node:path";
import type { FirmwareBoard } from "./board.js";

/** A file a command produced or used, as CI consumes it: where, what it is, its digest and size. */
export interface Artifact {
  readonly kind: string;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export async function describeArtifact(kind: string, file: string): Promise<Artifact> {
  const data = await readFile(file);
  return { kind, path: file, sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length };
}

/** build/<board>/ : the generated project of a board (the catalog id names the folder). */
export function boardProjectDir(buildDir: string, board: Pick<FirmwareBoard, "id">): string {
  return path.join(buildDir, board.id);
}

/** build/<board>/firmware/ : the firmware images and build.log (the CMake tree is build/.ocre-cmake/<board>/). */
export function firmwareDir(buildDir: string, board: Pick<FirmwareBoard, "id">): string {
  return path.join(boardProjectDir(buildDir, board), "firmware");
}

/** Board ids with a built image under buildDir (build/<id>/firmware/zephyr.elf), sorted. */
export async function builtBoards(buildDir: string): Promise<string[]> {
  const entries = await readdir(buildDir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const elf = path.join(buildDir, entry.name, "firmware", "zephyr.elf");
    if (
      await access(elf).then(
        () => true,
        () => false,
      )
    )
      found.push(entry.name);
  }
  return found.sort();
}

/** The board to use when --board is omitted: the only one built, else an error naming the choices. */
export async function defaultBuiltBoard(buildDir: string, command: string): Promise<string> {
  const built = await builtBoards(buildDir);
  if (built.length === 1) return built[0]!;
  throw new OcreError(
    "OCRE_BOARD_REQUIRED",
    built.length === 0 ? `no firmware built under ${buildDir}` : `several boards are built: ${built.join(", ")}`,
    {
      hint:
        built.length === 0
          ? `build one first: ocre build --firmware --board mps2/an521/cpu0, then ocre ${command}`
          : `name one: ocre ${command} --board ${built[0]}`,
    },
  );
}
