import { createReadStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { createGunzip } from "node:zlib";
import { OcreError } from "../errors.js";
import { escapeText } from "../ui/escape.js";
import { fileError } from "../util/fs-errors.js";

/**
 * A bounded, streaming reader of a (possibly gzipped) tar archive from an untrusted source.
 * Every header is checked before its data is read, so an oversized entry (a gzip bomb: 14 MB
 * that unpack to 3 GiB) is refused as soon as its header says so, without inflating it, and
 * memory stays flat whatever the archive holds (data is streamed to the visitor, never
 * buffered whole).
 */

export interface ArchiveLimits {
  /** Sum of the sizes of every entry. */
  readonly maxBytes: number;
  /** Number of entries, directories included. */
  readonly maxEntries: number;
  /** Size of any one entry (one blob). */
  readonly maxEntryBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxBytes: 1024 * 1024 * 1024,
  maxEntries: 10_000,
  maxEntryBytes: 512 * 1024 * 1024,
});

/** One entry, after its header passed the checks. */
export interface TarEntry {
  /** Normalised relative path: no leading "./", no trailing "/". */
  readonly path: string;
  readonly type: "file" | "directory";
  readonly size: number;
}

/**
 * Called for every entry in order, after its header passed every check. Return a stream to
 * receive the entry's data (with backpressure: the archive is read only as fast as the stream
 * drains) and a promise that settles once it is fully handled, or undefined to skip the data.
 * Throwing (an OcreError) stops the read.
 */
export interface EntrySink {
  readonly stream: NodeJS.WritableStream;
  readonly done: Promise<void>;
}
export type EntryVisitor = (entry: TarEntry) => EntrySink | undefined;

function limitError(file: string, what: string, flag: string): OcreError {
  return new OcreError("OCRE_ARCHIVE_LIMIT", `${file}: ${what}`, {
    hint: `refused before unpacking it; if you trust this archive, raise the limit with ${flag}`,
  });
}

function unsafe(file: string, entryPath: string, why: string): OcreError {
  return new OcreError("OCRE_ARCHIVE_UNSAFE", `${file}: entry "${escapeText(entryPath.slice(0, 300))}" ${why}`, {
    hint: "an oci-archive holds only plain files and folders under blobs/; nothing was written",
  });
}

function notTar(file: string, why: string): OcreError {
  return new OcreError("OCRE_ARCHIVE_INVALID", `cannot read ${file} as a tar archive: ${why}`, {
    hint: "give an oci-archive, e.g. one written by `ocre image export` or `skopeo copy … oci-archive:FILE:TAG`",
  });
}

const TYPE_WORDS: Record<string, string> = {
  Link: "is a hard link",
  SymbolicLink: "is a symbolic link",
  CharacterDevice: "is a character device",
  BlockDevice: "is a block device",
  FIFO: "is a FIFO",
  ContiguousFile: "is a contiguous file",
  GNUDumpDir: "is a GNU dump directory",
  SparseFile: "is a sparse file",
};

/** Checks a header's path and returns it normalised; absolute and `..` paths are refused. */
export function safeEntryPath(file: string, raw: string): string {
  if (raw.includes("\0")) throw unsafe(file, raw, "has a NUL byte in its name");
  if (raw.startsWith("/") || raw.startsWith("\\") || /^[A-Za-z]:/.test(raw))
    throw unsafe(file, raw, "has an absolute path");
  const parts = raw.split(/[/\\]/);
  if (parts.includes("..")) throw unsafe(file, raw, 'climbs out of the archive with ".."');
  return parts.filter((p) => p !== "" && p !== ".").join("/");
}

/** Counts bytes coming out of gunzip, so a stream of padding cannot inflate without bound either. */
class ByteBudget extends Transform {
  seen = 0;
  constructor(
    private readonly budget: number,
    private readonly onOver: () => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.budget) {
      this.onOver();
      done();
      return;
    }
    done(null, chunk);
  }
}

/** Tar overhead allowed on top of the entries' own bytes: headers, padding, end blocks. */
function overheadFor(limits: ArchiveLimits): number {
  return (limits.maxEntries + 4) * 3 * 512 + 1024 * 1024;
}

/**
 * Reads `file` once, start to end, handing each entry to `visit`. Rejects with OCRE_ARCHIVE_*
 * on the first entry that is unsafe (link, device, FIFO, absolute or `..` path) or over a
 * limit, and on anything that is not a tar or gzipped tar.
 */
export async function readTar(file: string, limits: ArchiveLimits, visit: EntryVisitor): Promise<void> {
  const { Parser } = await import("tar");
  const source = createReadStream(file);
  const head = await new Promise<Buffer>((resolve, reject) => {
    source.once("readable", () => {
      const chunk = (source.read(4) as Buffer | null) ?? Buffer.alloc(0);
      source.unshift(chunk);
      resolve(chunk);
    });
    source.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? notTar(file, "no such file") : fileError(error, file, "cannot read")),
    );
  });
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    throw notTar(file, "it is zstd-compressed; decompress it first (unzstd)");

  return new Promise<void>((resolve, reject) => {
    let failed = false;
    let entries = 0;
    let total = 0;
    const seen = new Set<string>();
    const pending: Promise<void>[] = [];
    const parser = new Parser({ strict: true });
    const stop = (error: unknown) => {
      if (failed) return;
      failed = true;
      source.destroy();
      gunzip?.destroy();
      budget.destroy();
      parser.abort(error instanceof Error ? error : new Error(String(error)));
      // The sinks' own promises may reject too (their files are removed by the caller).
      void Promise.allSettled(pending).then(() => reject(error));
    };
    const budget = new ByteBudget(limits.maxBytes + overheadFor(limits), () =>
      stop(limitError(file, `unpacks to more than ${limits.maxBytes} bytes`, "--max-size")),
    );
    const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    const gunzip = gzipped ? createGunzip() : undefined;
    parser.on("entry", (entry: import("tar").ReadEntry) => {
      if (failed) return entry.resume();
      try {
        entries += 1;
        if (entries > limits.maxEntries)
          throw limitError(file, `holds more than ${limits.maxEntries} entries`, "--max-entries");
        const words = TYPE_WORDS[entry.type];
        if (words !== undefined) throw unsafe(file, entry.path, words);
        const type =
          entry.type === "Directory" ? "directory" : entry.type === "File" || entry.type === "OldFile" ? "file" : "";
        if (type === "") throw unsafe(file, entry.path, `has the unsupported type ${entry.type}`);
        const rel = safeEntryPath(file, entry.path);
        if (type === "file") {
          if (rel === "") throw unsafe(file, entry.path, "is a file without a name");
          if (seen.has(rel)) throw unsafe(file, entry.path, "appears twice (the second would replace the first)");
          seen.add(rel);
        }
        const size = entry.size;
        if (size > limits.maxEntryBytes)
          throw limitError(
            file,
            `entry "${escapeText(rel)}" is ${size} bytes, over the per-blob limit of ${limits.maxEntryBytes}`,
            "--max-blob-size",
          );
        total += size;
        if (total > limits.maxBytes)
          throw limitError(file, `unpacks to more than ${limits.maxBytes} bytes`, "--max-size");
        const sink = visit({ path: rel, type, size });
        if (sink === undefined) return entry.resume();
        entry.pipe(sink.stream);
        pending.push(sink.done.catch((error: unknown) => stop(error)));
      } catch (error) {
        entry.resume();
        stop(error);
      }
    });
    parser.on("error", (error: Error & { code?: string }) =>
      stop(error instanceof OcreError ? error : notTar(file, error.message)),
    );
    parser.on("warn", (code: string, message: string) => stop(notTar(file, `${message} (${code})`)));
    parser.on("end", () => {
      if (failed) return;
      void Promise.all(pending).then(
        () => {
          if (!failed) resolve();
        },
        (error: unknown) => stop(error),
      );
    });
    source.on("error", (error) => stop(fileError(error, file, "cannot read")));
    gunzip?.on("error", (error) => stop(notTar(file, `gzip: ${error.message}`)));
    if (gunzip) source.pipe(gunzip).pipe(budget);
    else source.pipe(budget);
    budget.pipe(parser as unknown as NodeJS.WritableStream);
  });
}
