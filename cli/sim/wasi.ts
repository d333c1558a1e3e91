import { argv0 } from "../abi/contract.js";
import { randomBytes } from "node:crypto";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";
import { GuestMemory } from "./memory.js";
import { WasiFs } from "./wasi-fs.js";
import { ExitSignal } from "./signals.js";

/** WASI preview 1 errno values (not the Ocre negative errnos). */
const E = { SUCCESS: 0, BADF: 8, FAULT: 21, INVAL: 28, NOSYS: 52, SPIPE: 70 } as const;
const FILETYPE_CHARACTER_DEVICE = 2;
const RIGHTS_FD_READ = 1n << 1n;
const RIGHTS_FD_WRITE = 1n << 6n;
const EVENTTYPE_CLOCK = 0;
const SUBCLOCKFLAGS_ABSTIME = 1;

/** Deterministic random bytes (splitmix32) for virtual-time runs and --seed. */
function seededRandom(seed: number): (out: Uint8Array) => void {
  let state = seed >>> 0;
  return (out) => {
    for (let i = 0; i < out.length; i++) {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      out[i] = (z ^ (z >>> 16)) & 0xff;
    }
  };
}

/**
 * The WASI preview 1 subset of cli/abi/table.ts WASI_FUNCTIONS: stdout/stderr captured per
 * container, no stdin data, files under the run's preopened directories (--dir, wasi-fs.ts),
 * args/env from the container metadata,
 * clocks on the run's app time, random (seeded in virtual time), exit, sleep via poll_oneoff.
 */
export function wasiImports(c: Container): HostGroup {
  const sim = c.sim;
  const m = () => c.memory;
  const decoders = [new TextDecoder("utf-8"), new TextDecoder("utf-8")];
  // argv[0] is the image's path on a device, as upstream passes it.
  const argv = [argv0(c.name), ...c.args].map((a) => GuestMemory.encode(`${a}\0`));
  const envv = Object.entries(c.env).map(([k, v]) => GuestMemory.encode(`${k}=${v}\0`));
  const seed = sim.seed;
  const fill =
    seed === undefined ? (out: Uint8Array) => out.set(randomBytes(out.length)) : seededRandom(seed + c.index * 7919);

  const sizes = (list: Uint8Array[], countP: number, sizeP: number) =>
    m().setU32(countP, list.length) &&
    m().setU32(
      sizeP,
      list.reduce((n, b) => n + b.length, 0),
    )
      ? E.SUCCESS
      : E.FAULT;
  const strings = (list: Uint8Array[], ptrsP: number, bufP: number) => {
    let at = bufP;
    for (let i = 0; i < list.length; i++) {
      if (!m().setU32(ptrsP + 4 * i, at) || !m().write(at, list[i]!)) return E.FAULT;
      at += list[i]!.length;
    }
    return E.SUCCESS;
  };
  const files = new WasiFs(m, sim.dirs);
  c.atEnd(() => files.closeAll());
  const nowNs = (clock: number): bigint | undefined => {
    const ms = sim.now();
    if (clock === 0) return sim.virtual ? BigInt(Math.round(ms * 1e6)) : BigInt(Date.now()) * 1_000_000n;
    if (clock >= 1 && clock <= 3) return BigInt(Math.round(ms * 1e6));
    return undefined;
  };

  return {
    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenP: number) => {
      if (fd > 2) return files.write(fd, iovs, iovsLen, nwrittenP);
      if (fd !== 1 && fd !== 2) return E.BADF;
      const stream = fd === 1 ? "stdout" : "stderr";
      let total = 0;
      // Each buffer is decoded and handed on as it is read: one call with 8192 iovecs of 64 KiB
      // must not become one 512 MiB string (or a crash of the whole run).
      for (let i = 0; i < iovsLen; i++) {
        const ptr = m().u32(iovs + 8 * i);
        const len = m().u32(iovs + 8 * i + 4);
        if (ptr === undefined || len === undefined) return E.FAULT;
        const bytes = m().bytes(ptr, len);
        if (bytes === undefined) return E.FAULT;
        const text = decoders[fd - 1]!.decode(bytes, { stream: true });
        if (text) sim.output(c, stream, text);
        total += len;
      }
      if (!m().setU32(nwrittenP, total)) return E.FAULT;
      return E.SUCCESS;
    },
    fd_read: (fd: number, iovs: number, iovsLen: number, nreadP: number) => {
      if (fd > 2) return files.read(fd, iovs, iovsLen, nreadP);
      if (fd !== 0) return E.BADF;
      return m().setU32(nreadP, 0) ? E.SUCCESS : E.FAULT;
    },
    fd_close: (fd: number) => (fd <= 2 ? E.SUCCESS : files.close(fd)),
    fd_seek: (fd: number, offset: bigint, whence: number, newOffsetP: number) =>
      fd <= 2 ? E.SPIPE : files.seek(fd, offset, whence, newOffsetP),
    fd_tell: (fd: number, offsetP: number) => (fd <= 2 ? E.SPIPE : files.tell(fd, offsetP)),
    fd_fdstat_get: (fd: number, buf: number) => {
      if (fd > 2) return files.fdstatGet(fd, buf);
      if (!m().inBounds(buf, 24)) return E.FAULT;
      m().setU8(buf, FILETYPE_CHARACTER_DEVICE);
      m().setU16(buf + 2, 0);
      m().setU64(buf + 8, fd === 0 ? RIGHTS_FD_READ : RIGHTS_FD_WRITE);
      m().setU64(buf + 16, 0n);
      return E.SUCCESS;
    },
    fd_fdstat_set_flags: (fd: number, flags: number) => (fd <= 2 ? E.NOSYS : files.fdstatSetFlags(fd, flags)),
    fd_prestat_get: (fd: number, buf: number) => files.prestatGet(fd, buf),
    fd_prestat_dir_name: (fd: number, buf: number, len: number) => files.prestatDirName(fd, buf, len),
    fd_filestat_get: (fd: number, buf: number) => (fd <= 2 ? E.BADF : files.filestatGet(fd, buf)),
    fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, usedP: number) =>
      files.readdir(fd, buf, len, cookie, usedP),
    fd_renumber: (from: number, to: number) => (from <= 2 || to <= 2 ? E.BADF : files.renumber(from, to)),
    path_open: (
      dirfd: number,
      lookup: number,
      ptr: number,
      len: number,
      oflags: number,
      rightsBase: bigint,
      _rightsInheriting: bigint,
      fdflags: number,
      fdP: number,
    ) => files.open(dirfd, lookup, ptr, len, oflags, rightsBase, fdflags, fdP),
    path_filestat_get: (dirfd: number, flags: number, ptr: number, len: number, buf: number) =>
      files.pathFilestatGet(dirfd, flags, ptr, len, buf),
    path_create_directory: (dirfd: number, ptr: number, len: number) => files.createDirectory(dirfd, ptr, len),
    path_unlink_file: (dirfd: number, ptr: number, len: number) => files.unlinkFile(dirfd, ptr, len),
    path_remove_directory: (dirfd: number, ptr: number, len: number) => files.removeDirectory(dirfd, ptr, len),
    proc_exit: (code: number) => {
      // WASI's exit code is a u32; C's exit(-1) passes 0xffffffff: shown as -1, like a C int.
      throw new ExitSignal(code | 0);
    },
    clock_time_get: (clock: number, _precision: bigint, timeP: number) => {
      const ns = nowNs(clock);
      if (ns === undefined) return E.INVAL;
      return m().setU64(timeP, ns) ? E.SUCCESS : E.FAULT;
    },
    clock_res_get: (clock: number, resP: number) => {
      if (clock < 0 || clock > 3) return E.INVAL;
      return m().setU64(resP, sim.virtual ? 1_000_000n : 1_000n) ? E.SUCCESS : E.FAULT;
    },
    random_get: (buf: number, len: number) => {
      const target = m().bytes(buf, len);
      if (target === undefined) return E.FAULT;
      fill(target);
      return E.SUCCESS;
    },
    args_sizes_get: (countP: number, sizeP: number) => sizes(argv, countP, sizeP),
    args_get: (ptrsP: number, bufP: number) => strings(argv, ptrsP, bufP),
    environ_sizes_get: (countP: number, sizeP: number) => sizes(envv, countP, sizeP),
    environ_get: (ptrsP: number, bufP: number) => strings(envv, ptrsP, bufP),
    sched_yield: () => c.suspend(sim.now(), () => E.SUCCESS),
    /** Clock subscriptions only (sleep); fd subscriptions answer NOSYS in their event. */
    poll_oneoff: (inP: number, outP: number, nsubs: number, neventsP: number) => {
      if (nsubs <= 0 || !m().inBounds(inP, 48 * nsubs) || !m().inBounds(outP, 32 * nsubs) || !m().inBounds(neventsP, 4))
        return E.INVAL;
      const now = sim.now();
      let wake = Infinity;
      for (let i = 0; i < nsubs; i++) {
        const sub = inP + 48 * i;
        if (m().bytes(sub + 8, 1)![0] !== EVENTTYPE_CLOCK) {
          wake = now;
          continue;
        }
        const timeoutMs = Number(m().u64(sub + 24)!) / 1e6;
        const abs = (m().bytes(sub + 40, 2)![0]! & SUBCLOCKFLAGS_ABSTIME) !== 0;
        wake = Math.min(wake, abs ? timeoutMs : now + timeoutMs);
      }
      return c.suspend(Math.max(now, wake), (start) => {
        const t = sim.now();
        let n = 0;
        for (let i = 0; i < nsubs; i++) {
          const sub = inP + 48 * i;
          const tag = m().bytes(sub + 8, 1)![0]!;
          const timeoutMs = Number(m().u64(sub + 24)!) / 1e6;
          const abs = (m().bytes(sub + 40, 2)![0]! & SUBCLOCKFLAGS_ABSTIME) !== 0;
          const due = tag !== EVENTTYPE_CLOCK || (abs ? timeoutMs : start + timeoutMs) <= t + 1e-9;
          if (!due) continue;
          const ev = outP + 32 * n++;
          m().setU64(ev, m().u64(sub)!);
          m().setU16(ev + 8, tag === EVENTTYPE_CLOCK ? E.SUCCESS : E.NOSYS);
          m().setU8(ev + 10, tag);
        }
        m().setU32(neventsP, n);
        return E.SUCCESS;
      });
    },
  };
}
