import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { tempSibling } from "../util/atomic.js";
import type { TraceEntry } from "./types.js";

const FLUSH_BYTES = 1 << 16;
/** Largest trace file: a runaway container must not fill the disk either. */
export const MAX_TRACE_FILE_BYTES = 512 * 1024 * 1024;

export interface TraceWriter {
  readonly write: (entry: TraceEntry) => void;
  /** Entries written so far. */
  readonly count: () => number;
  /** Whether the file reached its size cap (the rest of the run was not traced). */
  readonly truncated: () => boolean;
  /** Moves the finished file into place. */
  readonly commit: () => void;
  /** Drops the partial file (the previous one, if any, stays). */
  readonly abort: () => void;
}

/**
 * Streams a trace as JSON lines to a temp sibling of `file` and renames it into place at the
 * end, so a 24-hour run's millions of host calls never sit in memory and a failed run never
 * leaves half a file. Writes are synchronous: the simulator calls it from inside host calls.
 */
export function createTraceWriter(file: string, maxBytes = MAX_TRACE_FILE_BYTES): TraceWriter {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  const fd = openSync(tmp, "w");
  let buffer = "";
  let entries = 0;
  let written = 0;
  let full = false;
  let closed = false;
  const flush = () => {
    if (buffer) writeSync(fd, buffer);
    buffer = "";
  };
  const close = () => {
    if (closed) return;
    closed = true;
    flush();
    closeSync(fd);
  };
  return {
    write: (entry) => {
      if (full) return;
      const line = `${JSON.stringify(entry)}\n`;
      if (written + line.length > maxBytes) {
        // The last line says so, for whoever reads the file.
        buffer += `${JSON.stringify({ truncated: true, entries, maxBytes })}\n`;
        full = true;
        flush();
        return;
      }
      buffer += line;
      written += line.length;
      entries++;
      if (buffer.length >= FLUSH_BYTES) flush();
    },
    count: () => entries,
    truncated: () => full,
    commit: () => {
      close();
      renameSync(tmp, file);
    },
    abort: () => {
      try {
        close();
      } finally {
        rmSync(tmp, { force: true });
      }
    },
  };
}
