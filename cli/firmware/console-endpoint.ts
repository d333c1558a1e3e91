/**
 * The emulated device's serial console as a local endpoint, for `ocre deploy --device qemu`
 * and `ocre device … --device qemu`: while `ocre emulate` runs, a unix socket (in a private
 * 0700 directory under the OS temp dir) carries the guest's console both ways, and
 * `<app>/build/emulator.json` records where it is. One client at a time; a second one is told
 * "busy" and closed. The console the user watches stays as it was, minus the SMP frames
 * (lines starting 0x06 0x09 / 0x04 0x14: MCUmgr's serial framing), which are for the client.
 */
import { readFile, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { OcreError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { openStaging, processRuns } from "../util/staging.js";

/** What `ocre emulate` records in `<app>/build/emulator.json`. */
export interface EmulatorRecord {
  readonly pid: number;
  /** The unix socket carrying the guest's console. */
  readonly socket: string;
  readonly board: string;
  readonly kernel: string;
  readonly started: string;
}

export const EMULATOR_RECORD = "emulator.json";
/** The line a second client gets before it is closed. */
export const BUSY_LINE = "ocre-emulate: busy";

export interface ConsoleEndpoint {
  readonly record: EmulatorRecord;
  /** Bytes the guest wrote to its console (forwarded to the client, if one is connected). */
  fromGuest(chunk: Buffer): void;
  /** Removes the socket and the record (if it is still this emulator's). */
  close(): Promise<void>;
}

/**
 * Opens the endpoint; `toGuest` writes to the emulator's console input. The record is written
 * last, once the socket listens, so a client that finds it can connect.
 */
export async function openConsoleEndpoint(
  buildDir: string,
  info: { board: string; kernel: string },
  toGuest: (bytes: Buffer) => void,
): Promise<ConsoleEndpoint> {
  // A staging folder: removed on Ctrl-C too, and by the next emulator if this one was killed.
  const staging = await openStaging("ocre-emulate-");
  const socketPath = path.join(staging.dir, "console.sock");
  let client: net.Socket | undefined;
  const server = net.createServer((socket) => {
    if (client !== undefined) {
      socket.end(`${BUSY_LINE}\n`);
      return;
    }
    client = socket;
    socket.on("data", (d: Buffer) => toGuest(d));
    socket.on("close", () => {
      if (client === socket) client = undefined;
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  }).catch(async (error: unknown) => {
    await staging.release();
    throw error;
  });
  const record: EmulatorRecord = {
    pid: process.pid,
    socket: socketPath,
    board: info.board,
    kernel: info.kernel,
    started: new Date().toISOString(),
  };
  const recordPath = path.join(buildDir, EMULATOR_RECORD);
  await writeFileAtomic(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  return {
    record,
    fromGuest: (chunk) => {
      client?.write(chunk);
    },
    close: async () => {
      client?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const now = await readFile(recordPath, "utf8").catch(() => "");
      if (now.includes(`"socket": ${JSON.stringify(socketPath)}`)) await rm(recordPath, { force: true });
      await staging.release();
    },
  };
}

/**
 * The emulator recorded for an app directory, or OCRE_DEVICE_UNAVAILABLE naming the fix. The
 * record is checked (a live process, a socket path inside the OS temp dir), not trusted.
 */
export async function findEmulator(appDir: string): Promise<EmulatorRecord> {
  const recordPath = path.join(appDir, "build", EMULATOR_RECORD);
  const none = (why: string) =>
    new OcreError("OCRE_DEVICE_UNAVAILABLE", `no emulator runs for ${appDir}: ${why}`, {
      hint: "start one in another terminal from the app directory: ocre emulate --for 30m --timeout 31m (or give --device qemu:<app dir>)",
    });
  const text = await readFile(recordPath, "utf8").catch(() => undefined);
  if (text === undefined) throw none(`${path.join("build", EMULATOR_RECORD)} does not exist`);
  let record: Partial<EmulatorRecord>;
  try {
    record = JSON.parse(text) as Partial<EmulatorRecord>;
  } catch {
    throw none(`${recordPath} is not JSON`);
  }
  if (
    typeof record.pid !== "number" ||
    typeof record.socket !== "string" ||
    !record.socket.startsWith(os.tmpdir() + path.sep) ||
    typeof record.board !== "string"
  )
    throw none(`${recordPath} is not an emulator record`);
  if (!processRuns(record.pid)) throw none(`the emulator recorded there (pid ${record.pid}) has exited`);
  return record as EmulatorRecord;
}

/**
 * Hides SMP serial frames from the console the user watches: a line that starts with 0x06 0x09
 * or 0x04 0x14 is dropped up to its "\n"; everything else passes at once (a partial line too).
 */
export function frameFilter(): (text: string) => string {
  let atLineStart = true;
  let hiding = false;
  let held = ""; // a line's first byte, when it may start a frame marker
  return (text) => {
    let shown = "";
    for (const ch of text) {
      if (hiding) {
        if (ch === "\n") {
          hiding = false;
          atLineStart = true;
        }
        continue;
      }
      if (held !== "") {
        const pair = held + ch;
        held = "";
        if (pair === "\u0006\u0009" || pair === "\u0004\u0014") {
          hiding = true;
          continue;
        }
        shown += pair;
        atLineStart = ch === "\n";
        continue;
      }
      if (atLineStart && (ch === "\u0006" || ch === "\u0004")) {
        held = ch;
        continue;
      }
      shown += ch;
      atLineStart = ch === "\n";
    }
    return shown;
  };
}
