import { watch as fsWatch, statSync, type FSWatcher } from "node:fs";
import path from "node:path";
import { OcreError } from "../errors.js";
import { buildApps, type BuildOptions, type BuildResult, type Logger } from "./build.js";

/**
 * The warm edit loop behind `ocre build --watch` and `ocre run --watch`. One process keeps the
 * compiler, Binaryen and wabt loaded and repeats a cycle (build; for run, build then run) each
 * time a file the last cycle depended on changes. Which files those are comes from the cycle
 * itself: every file the build read or looked for (BuildOptions.onInput: the manifest, every
 * source the compiler read, the board files and templates of the plan), so an edit to an
 * imported file or to ocre.yaml starts a new cycle and an edit elsewhere does not.
 */

/** Quiet time after the last change before a cycle starts: an editor's save is several writes. */
export const DEFAULT_DEBOUNCE_MS = 80;

/**
 * One cycle: runs until done or until `signal` aborts, telling `onInput` each file it depends on.
 * It throws an OcreError for a failure the user fixes by editing (a compile error); anything
 * else ends the loop.
 */
export type WatchCycle<T> = (signal: AbortSignal, onInput: (file: string, found: boolean) => void) => Promise<T>;

export interface WatchOptions<T> {
  /** Ends the loop (the CLI wires Ctrl-C to it); a cycle in progress is aborted. */
  readonly signal: AbortSignal;
  /** Files watched from the start, whatever the cycles report (each app's ocre.yaml). */
  readonly always?: readonly string[];
  readonly debounceMs?: number;
  /**
   * A change aborts the cycle in progress and starts the next (`ocre run --watch`: the running
   * containers stop). Otherwise the cycle finishes and the next one starts after it.
   */
  readonly restartOnChange?: boolean;
  /** A cycle starts; `changed` lists the files that started it (empty for the first). */
  readonly onStart?: (changed: readonly string[]) => void;
  readonly onSuccess?: (value: T) => void;
  /** A cycle failed with a user error; the loop goes on watching. */
  readonly onFailure?: (error: OcreError) => void;
}

/**
 * Runs `cycle` once, then again after every change to the files it depends on, until
 * `options.signal` aborts. Resolves then; rejects on an error that is not an OcreError (a bug)
 * or when the files cannot be watched.
 */
export async function watchLoop<T>(cycle: WatchCycle<T>, options: WatchOptions<T>): Promise<void> {
  const { signal } = options;
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const always = (options.always ?? []).map((p) => path.resolve(p));
  const changes = new ChangeQueue(debounceMs);
  const watcher = new FileWatcher((file) => changes.add(file));
  let current: AbortController | undefined;
  const stop = (): void => {
    changes.close();
    current?.abort();
  };
  signal.addEventListener("abort", stop, { once: true });
  try {
    watcher.set(always);
    let changed: readonly string[] = [];
    let known: string[] = always;
    while (!signal.aborted) {
      const controller = new AbortController();
      current = controller;
      const restart = options.restartOnChange ? changes.onFirst(() => controller.abort()) : undefined;
      const seen: string[] = [...always];
      // Found or absent, a file is watched through the nearest folder that exists (watchPoint).
      const onInput = (file: string): void => {
        seen.push(file);
        // Watched at once: a run cycle may last forever, and edits during it must count.
        watcher.add(file);
      };
      options.onStart?.(changed);
      try {
        const value = await cycle(controller.signal, onInput);
        known = seen;
        if (!controller.signal.aborted || signal.aborted) options.onSuccess?.(value);
      } catch (error) {
        if (signal.aborted) break;
        // Aborted by a change (restartOnChange): not a failure, the next cycle starts now.
        if (!controller.signal.aborted) {
          if (!(error instanceof OcreError)) throw error;
          options.onFailure?.(error);
        }
        // A failing cycle may have read less than the last good one (a parse error stops the
        // compiler early): keep watching both.
        known = [...known, ...seen];
      } finally {
        restart?.();
      }
      watcher.set(known);
      if (watcher.error !== undefined) throw watcher.error;
      const next = await changes.next();
      if (next === undefined) break;
      changed = next;
    }
  } finally {
    signal.removeEventListener("abort", stop);
    watcher.close();
    changes.close();
  }
}

/**
 * `ocre build --watch`: buildApps on every change to the build's inputs. Each build is a normal
 * build (staged outputs, the content-hash cache: a save that changes nothing is answered from
 * the cache), and an interrupted one leaves the previous outputs whole.
 */
export async function watchBuild(
  dirs: readonly string[],
  options: BuildOptions,
  watch: Omit<WatchOptions<BuildResult>, "restartOnChange" | "always">,
  logger?: Logger,
): Promise<void> {
  await watchLoop(
    (signal, onInput) => buildApps(dirs, { ...options, signal, onInput }, logger),
    // The manifest is watched even when the build fails before reading it (a YAML error).
    { ...watch, always: dirs.map((d) => path.join(d, "ocre.yaml")) },
  );
}

/** Changed files, handed out in debounced batches. */
class ChangeQueue {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private waiter: ((batch: string[] | undefined) => void) | undefined;
  private first: (() => void) | undefined;
  private closed = false;

  constructor(private readonly debounceMs: number) {}

  add(file: string): void {
    if (this.closed) return;
    this.pending.add(file);
    this.first?.();
    this.first = undefined;
    if (this.waiter !== undefined) this.arm();
  }

  /** Calls `fn` on the next change (once); returns a function that cancels it. */
  onFirst(fn: () => void): () => void {
    this.first = fn;
    return () => {
      if (this.first === fn) this.first = undefined;
    };
  }

  /** The next batch: changes that then stayed quiet for debounceMs; undefined once closed. */
  next(): Promise<string[] | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiter = resolve;
      if (this.pending.size > 0) this.arm();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const waiter = this.waiter;
      if (waiter === undefined) return;
      this.waiter = undefined;
      const batch = [...this.pending].sort();
      this.pending.clear();
      waiter(batch);
    }, this.debounceMs);
  }
}

/**
 * Watches files through their directories (one fs.watch per directory), so that an editor's
 * atomic save (write a temporary file, rename it over the original) and the creation of a file
 * that was absent are seen as well as writes in place. An absent file whose directory does not
 * exist either is watched at its nearest existing ancestor, for the folder that leads to it.
 */
class FileWatcher {
  private readonly dirs = new Map<string, { watcher: FSWatcher; names: Set<string> }>();
  /** Set when a directory cannot be watched (no inotify watches left): the loop stops. */
  error: OcreError | undefined;

  constructor(private readonly onChange: (file: string) => void) {}

  /** Watches exactly these files from now on. */
  set(files: readonly string[]): void {
    const wanted = new Map<string, Set<string>>();
    for (const f of files) {
      const [dir, name] = watchPoint(f);
      let names = wanted.get(dir);
      if (names === undefined) wanted.set(dir, (names = new Set()));
      names.add(name);
    }
    for (const [dir, entry] of this.dirs) {
      if (!wanted.has(dir)) {
        entry.watcher.close();
        this.dirs.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const entry = this.dirs.get(dir);
      if (entry === undefined) this.open(dir, names);
      else entry.names = names;
    }
  }

  /** Watches one more file. */
  add(file: string): void {
    const [dir, name] = watchPoint(file);
    const entry = this.dirs.get(dir);
    if (entry === undefined) this.open(dir, new Set([name]));
    else entry.names.add(name);
  }

  close(): void {
    for (const entry of this.dirs.values()) entry.watcher.close();
    this.dirs.clear();
  }

  private open(dir: string, names: Set<string>): void {
    let watcher: FSWatcher;
    try {
      watcher = fsWatch(dir, { persistent: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The directory went away between the check and the watch: not watched this cycle (a
      // change here would start a cycle that finds it gone again, and again).
      if (code === "ENOENT" || code === "ENOTDIR") return;
      this.error ??= new OcreError("OCRE_WATCH", `cannot watch ${dir}: ${(error as Error).message}`, {
        hint:
          code === "ENOSPC"
            ? "the system ran out of file watches: raise fs.inotify.max_user_watches (sysctl) or close other watchers"
            : "check the folder's permissions",
        cause: error,
      });
      return;
    }
    const entry = { watcher, names };
    watcher.on("change", (_event, filename) => {
      // Some platforms do not name the file: treat it as a change to every file watched there.
      if (filename === null) {
        for (const name of entry.names) this.onChange(path.join(dir, name));
        return;
      }
      const name = filename.toString();
      if (entry.names.has(name)) this.onChange(path.join(dir, name));
    });
    // The directory was removed (or renamed): drop the watch and start a cycle, which
    // watches whatever exists then.
    watcher.on("error", () => {
      watcher.close();
      if (this.dirs.get(dir) === entry) this.dirs.delete(dir);
      for (const name of entry.names) this.onChange(path.join(dir, name));
    });
    this.dirs.set(dir, entry);
  }
}

/**
 * The directory to watch for a file and the entry name in it that matters: the file's own
 * directory when that exists, else the nearest existing ancestor and the folder below it on
 * the way to the file. A file the build found is watched for edits, one it looked for and did
 * not find for its creation: both are names in a folder that exists.
 */
function watchPoint(file: string): [string, string] {
  let dir = path.dirname(file);
  let name = path.basename(file);
  // A file read moments ago may be gone already (its folder deleted): then as an absent one.
  while (!isDirectory(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    name = path.basename(dir);
    dir = parent;
  }
  return [dir, name];
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
