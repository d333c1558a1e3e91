import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
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

/** build/<board>/firmware/ : the firmware images, build.log and the CMake build tree (build/). */
export function firmwareDir(buildDir: string, board: Pick<FirmwareBoard, "id">): string {
  return path.join(boardProjectDir(buildDir, board), "firmware");
}
