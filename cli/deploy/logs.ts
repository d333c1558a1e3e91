/**
 * `ocre device logs`: the device's log ring (wamr-glue/include/ocre/ocre_logring.h), its recent
 * health events and container output lines, read with SMP command 5 in pages that fit a frame.
 * Every entry has a sequence number that only grows; a reader asks for "everything from N on",
 * learns from "first" what the ring overwrote before it was read, and from a "next" below N
 * that the device restarted. Everything the device sends is checked and escaped here.
 */
import { OcreError } from "../errors.js";
import { escapeText } from "../ui/escape.js";
import { SmpClient, SmpCmd, SmpOp, SMP_RC, describeAddress, resultOf, type DeviceAddress, type SmpMap } from "./smp.js";

export type LogKind = "health" | "stdout" | "stderr";

export interface LogEntry {
  readonly seq: number;
  /** The device's uptime when the entry was added, in ms. */
  readonly ms: number;
  readonly kind: LogKind;
  /** The container (escaped). */
  readonly name: string;
  /** The line (escaped): a health event's fields, or what the container wrote. */
  readonly text: string;
}

export interface LogPage {
  /** The oldest entry the device still keeps. */
  readonly first: number;
  /** Where the next read starts. */
  readonly next: number;
  readonly entries: readonly LogEntry[];
}

export interface DeviceLogs extends LogPage {
  /** Entries the ring overwrote before they were read (from `since` on). */
  readonly missed: number;
}

const KINDS: readonly string[] = ["health", "stdout", "stderr"];
/** A device keeps a few dozen entries; more pages than this in one read is not an ocre device. */
const MAX_PAGES = 256;
const MAX_SEQ = 0xffff_ffff;

function protocol(device: string, what: string): OcreError {
  return new OcreError("OCRE_DEVICE_PROTOCOL", `the device at ${device} sent ${what}`, {
    hint: "is it an ocre device agent of this version?",
  });
}

const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_SEQ;

function entryOf(value: unknown, device: string): LogEntry {
  const e = value as Record<string, unknown> | null;
  if (
    e === null ||
    typeof e !== "object" ||
    !isSeq(e.seq) ||
    typeof e.ms !== "number" ||
    !Number.isSafeInteger(e.ms) ||
    e.ms < 0 ||
    typeof e.kind !== "string" ||
    !KINDS.includes(e.kind) ||
    typeof e.name !== "string" ||
    typeof e.text !== "string"
  )
    throw protocol(device, "a malformed log entry");
  return {
    seq: e.seq,
    ms: e.ms,
    kind: e.kind as LogKind,
    name: escapeText(e.name.slice(0, 64)),
    text: escapeText(e.text.slice(0, 256)),
  };
}

/** One page of the log ring from `since` on. */
export async function readLogPage(client: SmpClient, device: string, since: number): Promise<LogPage> {
  const map: SmpMap = await client.request(SmpOp.read, SmpCmd.logs, { since });
  const { rc, reason } = resultOf(map);
  if (rc !== 0)
    throw new OcreError(
      "OCRE_DEVICE_REFUSED",
      `the device at ${device} refused to send its log: ${reason ?? SMP_RC[rc] ?? `rc ${rc}`}`,
      { hint: "its firmware needs the log ring (CONFIG_OCRE_LOG_RING, on with the agent)" },
    );
  if (!isSeq(map.first) || !isSeq(map.next) || !Array.isArray(map.entries))
    throw protocol(device, "a log answer without first, next and entries");
  const entries = map.entries.map((e) => entryOf(e, device));
  for (let i = 1; i < entries.length; i++)
    if (entries[i]!.seq <= entries[i - 1]!.seq) throw protocol(device, "log entries out of order");
  return { first: map.first, next: map.next, entries };
}

/** Every entry the device keeps from `since` on (default: the oldest). */
export async function readDeviceLogs(address: DeviceAddress, since = 0): Promise<DeviceLogs> {
  const device = describeAddress(address);
  const client = await SmpClient.connect(address);
  try {
    return await readFrom(client, device, since);
  } finally {
    client.close();
  }
}

async function readFrom(client: SmpClient, device: string, since: number): Promise<DeviceLogs> {
  const entries: LogEntry[] = [];
  let at = since;
  let first = 0;
  let missed = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const got = await readLogPage(client, device, at);
    if (page === 0) {
      first = got.first;
      // A "since" past the device's end: it restarted and counts from 0 again.
      if (got.next < at) return readFrom(client, device, 0);
      missed = Math.max(0, got.first - at);
    }
    entries.push(...got.entries);
    if (got.entries.length === 0 || got.next <= at) return { first, next: got.next, missed, entries };
    at = got.next;
  }
  throw protocol(device, `more than ${MAX_PAGES} pages of log`);
}

export interface FollowOptions {
  readonly since?: number;
  /** Between polls when nothing new came (default 500 ms). */
  readonly intervalMs?: number;
  readonly signal: AbortSignal;
  readonly onEntries: (entries: readonly LogEntry[]) => void;
  /** Entries the ring overwrote before they were read, or a restart of the device. */
  readonly onGap?: (gap: { missed: number } | { restarted: true }) => void;
}

/** Reads new entries as they come until `signal` aborts; one connection throughout. */
export async function followDeviceLogs(address: DeviceAddress, options: FollowOptions): Promise<void> {
  const device = describeAddress(address);
  const client = await SmpClient.connect(address);
  try {
    let at = options.since ?? 0;
    while (!options.signal.aborted) {
      const got = await readLogPage(client, device, at);
      if (got.next < at) {
        options.onGap?.({ restarted: true });
        at = 0;
        continue;
      }
      if (got.first > at) options.onGap?.({ missed: got.first - at });
      if (got.entries.length > 0) options.onEntries(got.entries);
      const more = got.entries.length > 0 && got.next > at;
      at = Math.max(at, got.first, got.next);
      if (!more) await sleep(options.intervalMs ?? 500, options.signal);
    }
  } finally {
    client.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A log entry as a line: "[  12.345 s] hello stdout: Hello". */
export function formatLogEntry(e: LogEntry): string {
  return `[${(e.ms / 1000).toFixed(3).padStart(10)} s] ${e.name} ${e.kind}: ${e.text}`;
}
