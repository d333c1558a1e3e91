import fs from "node:fs";
import path from "node:path";
import { OcreError } from "../errors.js";
import type { GuestMemory } from "./memory.js";

/**
 * WASI preview 1 filesystem for `ocre run --dir host:guest`: each --dir is a preopened
 * directory (fd 3, 4, …) whose guest name is `guest`, backed by the host folder `host`. Every
 * path a container gives is resolved component by component inside that folder: an absolute
 * path, a `..` above the folder and a symbolic link that leads out of it (or is absolute) are
 * refused with ENOTCAPABLE, as WAMR's libc-wasi refuses them on upstream Ocre. Sizes are
 * bounded (open files, path length, file size) so a container cannot exhaust the host.
 */

/** A `--dir`: the host folder and the absolute guest path it appears at. */
export interface PreopenDir {
  readonly host: string;
  readonly guest: string;
}

/** WASI preview 1 errno values (wasi/api.h). */
export const WASI_ERRNO = {
  SUCCESS: 0,
  ACCES: 2,
  BADF: 8,
  EXIST: 20,
  FAULT: 21,
  FBIG: 22,
  INVAL: 28,
  IO: 29,
  ISDIR: 31,
  LOOP: 32,
  MFILE: 33,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOSPC: 51,
  NOSYS: 52,
  NOTDIR: 54,
  NOTEMPTY: 55,
  NOTSUP: 58,
  PERM: 63,
  SPIPE: 70,
  NOTCAPABLE: 76,
} as const;
const E = WASI_ERRNO;

/** Open files and directories a container may hold at once (besides stdio and preopens). */
export const MAX_OPEN_FILES = 16;
/** Longest path a call may pass, in bytes (as Zephyr's default CONFIG_FILE_SYSTEM_MAX_FILE_NAME order). */
export const MAX_PATH_BYTES = 1024;
/** Largest a file may grow by the container's writes: 16 MiB. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Symbolic links followed while resolving one path. */
const MAX_SYMLINKS = 32;

const FILETYPE = { UNKNOWN: 0, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4, SYMBOLIC_LINK: 7 } as const;
const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
const FDFLAGS_APPEND = 1;
const LOOKUP_SYMLINK_FOLLOW = 1;
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_WRITE = 1n << 6n;
/** Every right WASI preview 1 defines (bits 0..29). */
const ALL_RIGHTS = (1n << 30n) - 1n;

interface DirEntry {
  readonly kind: "dir";
  /** Real path of the preopen this directory lives in: nothing resolves outside it. */
  readonly root: string;
  /** Real path of the directory (the root itself for a preopen). */
  readonly host: string;
  /** Set for a preopen: the guest path fd_prestat_dir_name gives. */
  readonly guest?: Uint8Array;
}

interface FileEntry {
  readonly kind: "file";
  readonly handle: number;
  readonly read: boolean;
  readonly write: boolean;
  append: boolean;
  position: number;
}

type Entry = DirEntry | FileEntry;

/** A Node error code as a WASI errno. */
function errnoOf(error: unknown): number {
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return E.NOENT;
    case "EEXIST":
      return E.EXIST;
    case "ENOTDIR":
      return E.NOTDIR;
    case "EISDIR":
      return E.ISDIR;
    case "ENOTEMPTY":
      return E.NOTEMPTY;
    case "EACCES":
      return E.ACCES;
    case "EPERM":
      return E.PERM;
    case "ELOOP":
      return E.LOOP;
    case "ENAMETOOLONG":
      return E.NAMETOOLONG;
    case "ENOSPC":
      return E.NOSPC;
    case "EFBIG":
      return E.FBIG;
    case "EINVAL":
      return E.INVAL;
    case "EMFILE":
    case "ENFILE":
      return E.MFILE;
    default:
      return E.IO;
  }
}

function filetypeOf(st: fs.Stats | fs.BigIntStats | fs.Dirent): number {
  if (st.isDirectory()) return FILETYPE.DIRECTORY;
  if (st.isFile()) return FILETYPE.REGULAR_FILE;
  if (st.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  return FILETYPE.UNKNOWN;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The preopens and open files of one container, and the WASI calls over them. */
export class WasiFs {
  private readonly fds = new Map<number, Entry>();

  constructor(
    private readonly m: () => GuestMemory,
    dirs: readonly PreopenDir[],
  ) {
    let fd = 3;
    for (const dir of dirs) {
      const host = fs.realpathSync(dir.host);
      this.fds.set(fd++, { kind: "dir", root: host, host, guest: new TextEncoder().encode(dir.guest) });
    }
  }

  /** Closes every host file the container left open (at its end). */
  closeAll(): void {
    for (const entry of this.fds.values()) if (entry.kind === "file") fs.closeSync(entry.handle);
    this.fds.clear();
  }

  has(fd: number): boolean {
    return this.fds.has(fd);
  }

  private preopenCount(): number {
    return [...this.fds.values()].filter((e) => e.kind === "dir" && e.guest !== undefined).length;
  }

  /** The lowest free fd for `entry`, or undefined when MAX_OPEN_FILES are open. */
  private allocate(entry: Entry): number | undefined {
    if (this.fds.size - this.preopenCount() >= MAX_OPEN_FILES) return undefined;
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, entry);
    return fd;
  }

  /** The path argument, or an errno: bounded, UTF-8, without NUL. */
  private pathArg(ptr: number, len: number): string | number {
    if (len > MAX_PATH_BYTES) return E.NAMETOOLONG;
    const bytes = this.m().bytes(ptr, len);
    if (bytes === undefined) return E.FAULT;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return E.INVAL;
    }
    if (text.includes("\0")) return E.INVAL;
    return text;
  }

  /**
   * Resolves `rel` against directory fd `dirfd` inside its preopen, following symbolic links
   * component by component (the last one only with `followLast`). Returns the host path, or
   * the errno: ENOTCAPABLE for anything that would leave the preopen.
   */
  private resolve(dirfd: number, ptr: number, len: number, followLast: boolean): string | number {
    const dir = this.fds.get(dirfd);
    if (dir === undefined) return E.BADF;
    if (dir.kind !== "dir") return E.NOTDIR;
    const rel = this.pathArg(ptr, len);
    if (typeof rel === "number") return rel;
    if (rel === "") return E.NOENT;
    if (rel.startsWith("/")) return E.NOTCAPABLE;
    const stack = path
      .relative(dir.root, dir.host)
      .split(path.sep)
      .filter((c) => c !== "");
    const queue = rel.split("/");
    // "a/" names a directory: keep the trailing slash's meaning by checking the type at the end.
    const wantsDir = rel.endsWith("/");
    let links = 0;
    while (queue.length > 0) {
      const component = queue.shift()!;
      if (component === "" || component === ".") continue;
      if (component === "..") {
        if (stack.length === 0) return E.NOTCAPABLE;
        stack.pop();
        continue;
      }
      const candidate = path.join(dir.root, ...stack, component);
      const last = queue.every((c) => c === "" || c === ".");
      let st: fs.Stats;
      try {
        st = fs.lstatSync(candidate);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" && last) {
          stack.push(component);
          break;
        }
        return errnoOf(error);
      }
      if (st.isSymbolicLink() && (!last || followLast || wantsDir)) {
        if (++links > MAX_SYMLINKS) return E.LOOP;
        const target = fs.readlinkSync(candidate);
        if (target.startsWith("/")) return E.NOTCAPABLE;
        queue.unshift(...target.split("/"));
        continue;
      }
      if (!last && !st.isDirectory()) return E.NOTDIR;
      stack.push(component);
    }
    return path.join(dir.root, ...stack);
  }

  private writeFilestat(buf: number, st: fs.BigIntStats): number {
    const m = this.m();
    if (!m.inBounds(buf, 64)) return E.FAULT;
    m.setU64(buf, st.dev);
    m.setU64(buf + 8, st.ino);
    m.setU8(buf + 16, filetypeOf(st));
    for (let i = 17; i < 24; i++) m.setU8(buf + i, 0);
    m.setU64(buf + 24, st.nlink);
    m.setU64(buf + 32, st.size);
    m.setU64(buf + 40, st.atimeNs);
    m.setU64(buf + 48, st.mtimeNs);
    m.setU64(buf + 56, st.ctimeNs);
    return E.SUCCESS;
  }

  prestatGet(fd: number, buf: number): number {
    const entry = this.fds.get(fd);
    if (entry?.kind !== "dir" || entry.guest === undefined) return E.BADF;
    const m = this.m();
    if (!m.inBounds(buf, 8)) return E.FAULT;
    m.setU32(buf, 0); // tag 0: a directory
    m.setU32(buf + 4, entry.guest.length);
    return E.SUCCESS;
  }

  prestatDirName(fd: number, buf: number, len: number): number {
    const entry = this.fds.get(fd);
    if (entry?.kind !== "dir" || entry.guest === undefined) return E.BADF;
    if (len < entry.guest.length) return E.NAMETOOLONG;
    return this.m().write(buf, entry.guest) ? E.SUCCESS : E.FAULT;
  }

  fdstatGet(fd: number, buf: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    const m = this.m();
    if (!m.inBounds(buf, 24)) return E.FAULT;
    m.setU8(buf, entry.kind === "dir" ? FILETYPE.DIRECTORY : FILETYPE.REGULAR_FILE);
    m.setU8(buf + 1, 0);
    m.setU16(buf + 2, entry.kind === "file" && entry.append ? FDFLAGS_APPEND : 0);
    m.setU32(buf + 4, 0);
    let base = ALL_RIGHTS;
    if (entry.kind === "file") {
      if (!entry.read) base &= ~RIGHT_FD_READ;
      if (!entry.write) base &= ~RIGHT_FD_WRITE;
    }
    m.setU64(buf + 8, base);
    m.setU64(buf + 16, entry.kind === "dir" ? ALL_RIGHTS : 0n);
    return E.SUCCESS;
  }

  fdstatSetFlags(fd: number, flags: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    if (entry.kind !== "file" || (flags & ~FDFLAGS_APPEND) !== 0) return E.NOTSUP;
    entry.append = (flags & FDFLAGS_APPEND) !== 0;
    return E.SUCCESS;
  }

  /** The iovec array as [pointer, length] pairs, each checked against memory. */
  private iovecs(iovs: number, count: number): [number, number][] | number {
    const m = this.m();
    if (count > 1024 || !m.inBounds(iovs, count * 8)) return E.FAULT;
    const list: [number, number][] = [];
    for (let i = 0; i < count; i++) {
      const ptr = m.u32(iovs + 8 * i)!;
      const len = m.u32(iovs + 8 * i + 4)!;
      if (!m.inBounds(ptr, len)) return E.FAULT;
      list.push([ptr, len]);
    }
    return list;
  }

  read(fd: number, iovs: number, count: number, nreadP: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    if (entry.kind === "dir") return E.ISDIR;
    if (!entry.read) return E.BADF;
    const list = this.iovecs(iovs, count);
    if (typeof list === "number") return list;
    if (!this.m().inBounds(nreadP, 4)) return E.FAULT;
    let total = 0;
    try {
      for (const [ptr, len] of list) {
        if (len === 0) continue;
        const n = fs.readSync(entry.handle, this.m().bytes(ptr, len)!, 0, len, entry.position);
        entry.position += n;
        total += n;
        if (n < len) break;
      }
    } catch (error) {
      return errnoOf(error);
    }
    this.m().setU32(nreadP, total);
    return E.SUCCESS;
  }

  write(fd: number, iovs: number, count: number, nwrittenP: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    if (entry.kind === "dir") return E.ISDIR;
    if (!entry.write) return E.BADF;
    const list = this.iovecs(iovs, count);
    if (typeof list === "number") return list;
    if (!this.m().inBounds(nwrittenP, 4)) return E.FAULT;
    let total = 0;
    try {
      if (entry.append) entry.position = fs.fstatSync(entry.handle).size;
      const bytes = list.reduce((n, [, len]) => n + len, 0);
      if (entry.position + bytes > MAX_FILE_BYTES) return E.FBIG;
      for (const [ptr, len] of list) {
        if (len === 0) continue;
        const n = fs.writeSync(entry.handle, this.m().bytes(ptr, len)!, 0, len, entry.position);
        entry.position += n;
        total += n;
      }
    } catch (error) {
      return errnoOf(error);
    }
    this.m().setU32(nwrittenP, total);
    return E.SUCCESS;
  }

  seek(fd: number, offset: bigint, whence: number, newOffsetP: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    if (entry.kind === "dir") return E.BADF;
    let base: number;
    try {
      base = whence === 0 ? 0 : whence === 1 ? entry.position : whence === 2 ? fs.fstatSync(entry.handle).size : -1;
    } catch (error) {
      return errnoOf(error);
    }
    if (base < 0) return E.INVAL;
    const next = BigInt(base) + offset;
    if (next < 0n || next > BigInt(MAX_FILE_BYTES)) return E.INVAL;
    if (!this.m().inBounds(newOffsetP, 8)) return E.FAULT;
    entry.position = Number(next);
    this.m().setU64(newOffsetP, next);
    return E.SUCCESS;
  }

  tell(fd: number, offsetP: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    if (entry.kind === "dir") return E.BADF;
    return this.m().setU64(offsetP, BigInt(entry.position)) ? E.SUCCESS : E.FAULT;
  }

  close(fd: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    this.fds.delete(fd);
    if (entry.kind === "file") {
      try {
        fs.closeSync(entry.handle);
      } catch (error) {
        return errnoOf(error);
      }
    }
    return E.SUCCESS;
  }

  renumber(from: number, to: number): number {
    const entry = this.fds.get(from);
    const target = this.fds.get(to);
    if (entry === undefined || target === undefined) return E.BADF;
    if (from === to) return E.SUCCESS;
    if (target.kind === "file") fs.closeSync(target.handle);
    this.fds.set(to, entry);
    this.fds.delete(from);
    return E.SUCCESS;
  }

  filestatGet(fd: number, buf: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    try {
      const st =
        entry.kind === "file"
          ? fs.fstatSync(entry.handle, { bigint: true })
          : fs.statSync(entry.host, { bigint: true });
      return this.writeFilestat(buf, st);
    } catch (error) {
      return errnoOf(error);
    }
  }

  pathFilestatGet(dirfd: number, flags: number, ptr: number, len: number, buf: number): number {
    const target = this.resolve(dirfd, ptr, len, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (typeof target === "number") return target;
    try {
      return this.writeFilestat(buf, fs.lstatSync(target, { bigint: true }));
    } catch (error) {
      return errnoOf(error);
    }
  }

  open(
    dirfd: number,
    lookup: number,
    ptr: number,
    len: number,
    oflags: number,
    rightsBase: bigint,
    fdflags: number,
    fdP: number,
  ): number {
    const dir = this.fds.get(dirfd);
    if (dir?.kind !== "dir") return dir === undefined ? E.BADF : E.NOTDIR;
    const follow = (lookup & LOOKUP_SYMLINK_FOLLOW) !== 0;
    const target = this.resolve(dirfd, ptr, len, follow);
    if (typeof target === "number") return target;
    if (!this.m().inBounds(fdP, 4)) return E.FAULT;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") return errnoOf(error);
    }
    if (st?.isSymbolicLink()) return E.LOOP; // the last component without SYMLINK_FOLLOW
    const read = (rightsBase & RIGHT_FD_READ) !== 0n;
    const write = (rightsBase & RIGHT_FD_WRITE) !== 0n;
    if (st !== undefined && (oflags & OFLAGS.CREAT) !== 0 && (oflags & OFLAGS.EXCL) !== 0) return E.EXIST;
    if ((oflags & OFLAGS.DIRECTORY) !== 0 || st?.isDirectory()) {
      if (st === undefined) return E.NOENT;
      if (!st.isDirectory()) return E.NOTDIR;
      if (write || (oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) !== 0) return E.ISDIR;
      const fd = this.allocate({ kind: "dir", root: dir.root, host: target });
      if (fd === undefined) return E.MFILE;
      this.m().setU32(fdP, fd);
      return E.SUCCESS;
    }
    if (st === undefined && (oflags & OFLAGS.CREAT) === 0) return E.NOENT;
    // A FIFO or device in the host folder would block or reach hardware: regular files only.
    if (st !== undefined && !st.isFile()) return E.NOTSUP;
    const c = fs.constants;
    let flags = (read && write ? c.O_RDWR : write ? c.O_WRONLY : c.O_RDONLY) | c.O_NOFOLLOW;
    if ((oflags & OFLAGS.CREAT) !== 0) flags |= c.O_CREAT;
    if ((oflags & OFLAGS.EXCL) !== 0) flags |= c.O_EXCL;
    if ((oflags & OFLAGS.TRUNC) !== 0) flags |= c.O_TRUNC;
    let handle: number;
    try {
      handle = fs.openSync(target, flags, 0o644);
    } catch (error) {
      return errnoOf(error);
    }
    const fd = this.allocate({
      kind: "file",
      handle,
      read: read || !write,
      write,
      append: (fdflags & FDFLAGS_APPEND) !== 0,
      position: 0,
    });
    if (fd === undefined) {
      fs.closeSync(handle);
      return E.MFILE;
    }
    this.m().setU32(fdP, fd);
    return E.SUCCESS;
  }

  /** fd_readdir: `.`, `..`, then the entries by name (a stable order), from `cookie` on. */
  readdir(fd: number, buf: number, len: number, cookie: bigint, usedP: number): number {
    const entry = this.fds.get(fd);
    if (entry === undefined) return E.BADF;
    if (entry.kind !== "dir") return E.NOTDIR;
    const m = this.m();
    if (!m.inBounds(buf, len) || !m.inBounds(usedP, 4)) return E.FAULT;
    let names: { name: string; type: number; ino: bigint }[];
    try {
      const self = fs.statSync(entry.host, { bigint: true });
      const parent = fs.statSync(path.dirname(entry.host), { bigint: true });
      names = [
        { name: ".", type: FILETYPE.DIRECTORY, ino: self.ino },
        { name: "..", type: FILETYPE.DIRECTORY, ino: parent.ino },
        ...fs
          .readdirSync(entry.host, { withFileTypes: true })
          .map((d) => ({
            name: d.name,
            type: filetypeOf(d),
            ino: fs.lstatSync(path.join(entry.host, d.name), { bigint: true }).ino,
          }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      ];
    } catch (error) {
      return errnoOf(error);
    }
    // Entries are packed and the last one cut at the buffer's end; wasi-libc then asks again.
    const out = new Uint8Array(len);
    let used = 0;
    for (let i = Number(cookie); i < names.length && used < len; i++) {
      const name = new TextEncoder().encode(names[i]!.name);
      const record = new Uint8Array(24 + name.length);
      const rv = new DataView(record.buffer);
      rv.setBigUint64(0, BigInt(i + 1), true);
      rv.setBigUint64(8, names[i]!.ino, true);
      rv.setUint32(16, name.length, true);
      rv.setUint8(20, names[i]!.type);
      record.set(name, 24);
      const n = Math.min(record.length, len - used);
      out.set(record.subarray(0, n), used);
      used += n;
    }
    m.write(buf, out.subarray(0, used));
    m.setU32(usedP, used);
    return E.SUCCESS;
  }

  private mutate(dirfd: number, ptr: number, len: number, op: (target: string) => number): number {
    const target = this.resolve(dirfd, ptr, len, false);
    if (typeof target === "number") return target;
    try {
      return op(target);
    } catch (error) {
      return errnoOf(error);
    }
  }

  createDirectory(dirfd: number, ptr: number, len: number): number {
    return this.mutate(dirfd, ptr, len, (target) => {
      fs.mkdirSync(target, 0o755);
      return E.SUCCESS;
    });
  }

  unlinkFile(dirfd: number, ptr: number, len: number): number {
    return this.mutate(dirfd, ptr, len, (target) => {
      if (fs.lstatSync(target).isDirectory()) return E.ISDIR;
      fs.unlinkSync(target);
      return E.SUCCESS;
    });
  }

  removeDirectory(dirfd: number, ptr: number, len: number): number {
    const dir = this.fds.get(dirfd);
    return this.mutate(dirfd, ptr, len, (target) => {
      // The preopen itself stays: rmdir(".") is EINVAL on POSIX too.
      if (dir?.kind === "dir" && target === dir.root) return E.INVAL;
      fs.rmdirSync(target);
      return E.SUCCESS;
    });
  }
}

/**
 * `--dir host[:guest]` (guest default "/"), host relative to `cwd`; split at the first ":", as
 * upstream's `ocre run -v <source>:<destination>`.
 */
export function parseDirFlag(value: string, cwd: string): PreopenDir {
  const colon = value.indexOf(":");
  const host = colon < 0 ? value : value.slice(0, colon);
  const guest = colon < 0 ? "/" : value.slice(colon + 1);
  if (host === "") {
    throw new OcreError("OCRE_RUN_DIR", `--dir ${JSON.stringify(value)} names no host folder`, {
      hint: "--dir <host folder>[:<guest path>], e.g. --dir ./sandbox:/ or --dir data:/data",
    });
  }
  return { host: path.resolve(cwd, host), guest };
}

/** Checks --dir values: each host folder exists, guest paths are absolute and distinct. */
export function checkPreopens(dirs: readonly PreopenDir[]): readonly PreopenDir[] {
  const guests = new Set<string>();
  return dirs.map((dir) => {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir.host);
    } catch {
      st = undefined;
    }
    if (!st?.isDirectory()) {
      throw new OcreError("OCRE_RUN_DIR", `--dir: ${dir.host} is not a folder`, {
        hint: "create the folder the container may use first (mkdir -p), then pass it to --dir",
      });
    }
    const guest = path.posix.normalize(dir.guest);
    if (!guest.startsWith("/") || Buffer.byteLength(guest) > MAX_PATH_BYTES) {
      throw new OcreError("OCRE_RUN_DIR", `--dir: the guest path ${JSON.stringify(dir.guest)} is not absolute`, {
        hint: "the container sees the folder at an absolute path: --dir host:/data (default /)",
      });
    }
    const key = guest.length > 1 ? guest.replace(/\/$/, "") : guest;
    if (guests.has(key)) {
      throw new OcreError("OCRE_RUN_DIR", `--dir: two folders at ${key}`, {
        hint: "give each --dir its own guest path",
      });
    }
    guests.add(key);
    return { host: fs.realpathSync(dir.host), guest: key };
  });
}
