import { rmSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * Temporary staging folders that never outlive the command: removed when the work ends
 * (success or error), on SIGINT/SIGTERM/SIGHUP (then the signal is re-raised, so the process
 * still dies of it), and on process.exit. A folder left by a process killed with SIGKILL (or a
 * power cut) is removed by the next command that stages with the same prefix: its name carries
 * the owner's pid, and a pid that no longer runs owns nothing.
 */
const live = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/** Folders of the old naming (no pid) are taken as abandoned once this old. */
const LEGACY_STALE_MS = 60 * 60 * 1000;

function removeAllSync(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAllSync();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  if (live.size !== 1) return;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on("exit", removeAllSync);
}

function uninstall(): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.removeListener("exit", removeAllSync);
}

/** Whether a process with this pid runs (for records that name their owner: staging folders, an emulator). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes `<tmp>/<prefix>*` folders whose owner is gone. Best effort: never fails the command. */
export async function removeStaleStaging(prefix: string, parent = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const full = path.join(parent, name);
    const pid = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
    let stale: boolean;
    if (pid !== undefined) stale = Number(pid) !== process.pid && !processRuns(Number(pid));
    else {
      const info = await stat(full).catch(() => undefined);
      stale = info !== undefined && Date.now() - info.mtimeMs > LEGACY_STALE_MS;
    }
    if (stale) {
      await rm(full, { recursive: true, force: true }).catch(() => undefined);
      removed.push(full);
    }
  }
  return removed;
}

/** A staging folder held until `release()`, for work that outlives one call (a server's socket). */
export interface Staging {
  readonly dir: string;
  /** Removes the folder; later calls do nothing. */
  release(): Promise<void>;
}

/** A fresh `<tmp>/<prefix><pid>-XXXXXX` folder, removed on release or on any exit of the process. */
export async function openStaging(prefix: string): Promise<Staging> {
  await removeStaleStaging(prefix);
  const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
  live.add(dir);
  install();
  return {
    dir,
    release: async () => {
      if (!live.delete(dir)) return;
      if (live.size === 0) uninstall();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `work` in a fresh staging folder that is removed on every exit path. */
export async function withStaging<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const staging = await openStaging(prefix);
  try {
    return await work(staging.dir);
  } finally {
    await staging.release();
  }
}
