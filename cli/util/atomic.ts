import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";

/** A sibling temp path, so that the final rename stays on one filesystem (and is atomic). */
export function tempSibling(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

/** The target a tempSibling() path stands for (error messages name what the user asked for). */
export function targetOfTemp(file: string): string {
  const match = /^\.(.+)\.tmp-\d+-[0-9a-f]{8}$/.exec(path.basename(file));
  return match ? path.join(path.dirname(file), match[1]!) : file;
}

/** Writes a file so that readers see either the old content or the new, never a half-written one. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Builds a whole directory in a temp sibling and swaps it in. `fill` writes into the temp dir;
 * if it throws, the previous directory is untouched and the temp one removed.
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    const old = tempSibling(target);
    // rename() cannot replace a non-empty directory: move the old one aside first.
    await rename(target, old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    await rename(tmp, target);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
