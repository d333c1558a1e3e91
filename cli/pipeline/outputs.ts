import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Outputs that change together or not at all. A build writes every output (build/<name>.wasm,
 * report.json, oci/, build/<board>/ projects and firmware, the cache entry) into a staging
 * folder `<dir>/.ocre-stage/` beside where it belongs; only when every stage succeeded does
 * `commit` move each staged entry over the old one. An error or an interrupt before the commit
 * removes the staging folder and leaves the previous outputs as they were.
 *
 * The commit itself is a few renames. It first writes a marker into every staging folder, so a
 * process killed mid-commit (SIGKILL, power loss) is rolled forward by the next build: every
 * staged entry still there is moved into place, then the folders are removed. A staging folder
 * without the marker is an unfinished build and is simply deleted.
 */
export const STAGE_DIR = ".ocre-stage";
/** Where replaced entries wait during a commit (removed at its end). */
export const OLD_DIR = ".ocre-old";
/**
 * The firmware stage's CMake build trees (<out>/.ocre-cmake/<board>/): a cache for ninja, not an
 * output. Its source folder is the stable staging path <out>/.ocre-stage/<board>/.
 */
export const CMAKE_DIR = ".ocre-cmake";
const COMMIT_MARKER = ".ocre-commit";

export class StagedOutputs {
  private readonly roots: readonly string[];
  /** Output directories this build created: an aborted build removes them again. */
  private readonly created: readonly string[];
  private state: "open" | "committed" | "aborted" = "open";

  private constructor(roots: readonly string[], created: readonly string[]) {
    this.roots = roots;
    this.created = created;
  }

  /**
   * Opens staging folders for every output directory (app build dirs and the project out dir),
   * after finishing or discarding what an earlier, killed build left behind.
   */
  static async begin(dirs: readonly string[]): Promise<StagedOutputs> {
    const roots = [...new Set(dirs.map((d) => path.resolve(d)))];
    const created: string[] = [];
    for (const root of roots) {
      if (await exists(root)) await recover(root);
      else created.push(root);
    }
    for (const root of roots) await mkdir(path.join(root, STAGE_DIR), { recursive: true });
    return new StagedOutputs(roots, created);
  }

  /** The staging folder standing in for `dir` (one of the dirs given to begin). */
  stage(dir: string): string {
    const root = path.resolve(dir);
    if (!this.roots.includes(root)) throw new Error(`internal: ${root} is not a staged output directory`);
    return path.join(root, STAGE_DIR);
  }

  /** Moves every staged entry into place; the entries named in `last` go last (the cache entry). */
  async commit(last: readonly string[] = []): Promise<void> {
    if (this.state !== "open") throw new Error(`internal: commit of a ${this.state} output set`);
    for (const root of this.roots) await writeFile(path.join(root, STAGE_DIR, COMMIT_MARKER), "");
    for (const root of this.roots) await rollForward(root, last);
    this.state = "committed";
  }

  /** Discards every staged output; the previous outputs stay as they were. Safe to call twice. */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    for (const root of this.roots) await rm(path.join(root, STAGE_DIR), { recursive: true, force: true });
    // rmdir only removes an empty folder: one that holds anything else (a CMake tree) stays.
    for (const root of this.created) await rmdir(root).catch(() => undefined);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Moves each staged entry over its target, then removes the replaced entries and the stage. */
async function rollForward(root: string, last: readonly string[]): Promise<void> {
  const stage = path.join(root, STAGE_DIR);
  const old = path.join(root, OLD_DIR);
  const names = (await readdir(stage).catch(() => [] as string[])).filter((n) => n !== COMMIT_MARKER);
  names.sort((a, b) => Number(last.includes(a)) - Number(last.includes(b)) || (a < b ? -1 : a > b ? 1 : 0));
  await mkdir(old, { recursive: true });
  for (const name of names) {
    const target = path.join(root, name);
    const aside = path.join(old, name);
    // A directory cannot be renamed over a non-empty one: move the old entry aside first.
    if ((await exists(target)) && !(await exists(aside))) await rename(target, aside);
    else if (await exists(target)) await rm(target, { recursive: true, force: true });
    await rename(path.join(stage, name), target);
  }
  await rm(old, { recursive: true, force: true });
  await rm(stage, { recursive: true, force: true });
}

/** Finishes a commit a killed build began, or discards a build it never got to commit. */
async function recover(root: string): Promise<void> {
  const stage = path.join(root, STAGE_DIR);
  if (await exists(path.join(stage, COMMIT_MARKER))) await rollForward(root, []);
  else await rm(stage, { recursive: true, force: true });
  await rm(path.join(root, OLD_DIR), { recursive: true, force: true });
}
