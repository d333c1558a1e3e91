/**
 * The host side of the device agent's protocol: MCUmgr SMP frames (an 8-byte header and a CBOR
 * map) in ocre's own group, over TCP or over a serial console with SMP's serial framing
 * (wamr-glue/include/ocre/ocre_smp.h is the device side; docs/deploy.md lists the commands).
 * One request at a time; every answer is bounded in size and time, and its sequence number and
 * command must match the request's.
 */
import { closeSync, constants as fsConstants, openSync, writeSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import tty from "node:tty";
import { decode, encode } from "cbor2";
import { OcreError } from "../errors.js";
import { escapeText } from "../ui/escape.js";
import { SerialDecoder, encodeSerial } from "./serial.js";

export const SMP_HEADER_SIZE = 8;
/** The largest frame the device accepts or sends (OCRE_SMP_MAX_FRAME). */
export const SMP_MAX_FRAME = 2048;
/** MCUmgr's first user-defined group (MGMT_GROUP_ID_PERUSER). */
export const OCRE_SMP_GROUP = 64;

export const SmpOp = { read: 0, readRsp: 1, write: 2, writeRsp: 3 } as const;
export const SmpCmd = { list: 0, install: 1, remove: 2, rollback: 3, pull: 4, logs: 5 } as const;

/** MCUmgr's result codes (MGMT_ERR_*). */
export const SMP_RC: Readonly<Record<number, string>> = {
  0: "EOK",
  1: "EUNKNOWN",
  2: "ENOMEM",
  3: "EINVAL",
  4: "ETIMEOUT",
  5: "ENOENT",
  6: "EBADSTATE",
  7: "EMSGSIZE",
  8: "ENOTSUP",
  9: "ECORRUPT",
  10: "EBUSY",
  11: "EACCESSDENIED",
};

export type DeviceAddress =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "serial"; readonly path: string }
  /** The console of the emulator `ocre emulate` runs for an app directory (its build/emulator.json). */
  | { readonly kind: "qemu"; readonly appDir: string };

/**
 * "host:port" (IPv4 or a name; "[v6]:port" for IPv6), "serial:/dev/ttyACM0", or "qemu" (the
 * emulator running for the app in `cwd`) / "qemu:DIR" (for the app in DIR).
 */
export function parseDeviceAddress(text: string, cwd: string = process.cwd()): DeviceAddress {
  if (text.startsWith("serial:") && text.length > 7 && !text.includes("\0"))
    return { kind: "serial", path: text.slice(7) };
  if (text === "qemu") return { kind: "qemu", appDir: cwd };
  if (text.startsWith("qemu:") && text.length > 5 && !text.includes("\0"))
    return { kind: "qemu", appDir: path.resolve(cwd, text.slice(5)) };
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535)
    throw new OcreError("OCRE_DEVICE_ADDRESS", `"${escapeText(text)}" is not a device address`, {
      hint: "give --device host:port (e.g. 127.0.0.1:1337), serial:/dev/ttyACM0, or qemu (the emulator `ocre emulate` runs)",
    });
  return { kind: "tcp", host: m[1] ?? m[2]!, port };
}

export function describeAddress(a: DeviceAddress): string {
  if (a.kind === "serial") return `serial:${escapeText(a.path)}`;
  if (a.kind === "qemu") return `qemu (${escapeText(a.appDir)})`;
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** A way to the device: whole frames out, whole frames in. */
interface Link {
  send(frame: Buffer): void;
  close(): void;
}

export interface SmpOptions {
  /** Connecting (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** One answer; a pull by the device takes its own time (default 30 s). */
  readonly answerTimeoutMs?: number;
}

export type SmpMap = Record<string, unknown>;

/** One connection to a device's agent. */
export class SmpClient {
  private seq = 0;
  private frames: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private closed: Error | undefined;
  private link: Link | undefined;

  private constructor(
    private readonly where: string,
    private readonly options: SmpOptions,
  ) {}

  private received(frame: Buffer): void {
    if (this.frames.length < 4) this.frames.push(frame);
    this.waiter?.();
  }

  private lost(error: Error): void {
    this.closed ??= error;
    this.waiter?.();
  }

  static async connect(address: DeviceAddress, options: SmpOptions = {}): Promise<SmpClient> {
    const client = new SmpClient(describeAddress(address), options);
    client.link =
      address.kind === "serial"
        ? await client.openSerial(address.path)
        : address.kind === "qemu"
          ? await client.openQemu(address.appDir)
          : await client.openTcp(address);
    return client;
  }

  /** The emulator's console (cli/firmware/console-endpoint.ts): SMP's serial framing on a unix socket. */
  private async openQemu(appDir: string): Promise<Link> {
    const { BUSY_LINE, findEmulator } = await import("../firmware/console-endpoint.js");
    const record = await findEmulator(appDir);
    const socket = net.connect({ path: record.socket });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", (error) =>
        reject(
          unavailable(this.where, `the emulator's console: ${(error as NodeJS.ErrnoException).code ?? error.message}`),
        ),
      );
    });
    const decoder = new SerialDecoder(
      (frame) => this.received(frame),
      (line) => {
        if (line === BUSY_LINE) this.lost(new Error("another ocre command is using the emulator's console"));
      },
      SMP_MAX_FRAME,
    );
    socket.on("data", (chunk: Buffer) => decoder.feed(chunk));
    socket.on("close", () => this.lost(new Error("the emulator closed its console (did it exit?)")));
    socket.on("error", (error) => this.lost(error));
    return { send: (frame) => socket.write(encodeSerial(frame)), close: () => socket.destroy() };
  }

  /** TCP: frames follow each other on the stream; the header gives each one's length. */
  private async openTcp(address: { host: string; port: number }): Promise<Link> {
    const socket = net.connect({ host: address.host, port: address.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(unavailable(this.where, "no answer to the connection"));
      }, this.options.connectTimeoutMs ?? 5000);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(unavailable(this.where, (error as NodeJS.ErrnoException).code ?? error.message));
      });
    });
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= SMP_HEADER_SIZE) {
        const len = buffered.readUInt16BE(2);
        if (len + SMP_HEADER_SIZE > SMP_MAX_FRAME) {
          socket.destroy();
          this.lost(protocol(this.where, `a ${len}-byte frame, over the limit`));
          return;
        }
        if (buffered.length < SMP_HEADER_SIZE + len) break;
        this.received(Buffer.from(buffered.subarray(0, SMP_HEADER_SIZE + len)));
        buffered = buffered.subarray(SMP_HEADER_SIZE + len);
      }
    });
    socket.on("close", () => this.lost(new Error("the device closed the connection")));
    socket.on("error", (error) => this.lost(error));
    return { send: (frame) => socket.write(frame), close: () => socket.destroy() };
  }

  /** A serial console: SMP's serial framing; other lines are the device's console output. */
  private async openSerial(path: string): Promise<Link> {
    let rfd = -1;
    let wfd = -1;
    try {
      // Reads through a tty stream (non-blocking); writes are small and synchronous.
      rfd = openSync(path, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
      wfd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_NOCTTY);
    } catch (error) {
      for (const fd of [rfd, wfd]) if (fd >= 0) closeSync(fd);
      throw unavailable(this.where, (error as NodeJS.ErrnoException).code ?? String(error));
    }
    if (!tty.isatty(rfd)) {
      closeSync(rfd);
      closeSync(wfd);
      throw unavailable(this.where, "not a terminal");
    }
    const stream = new tty.ReadStream(rfd);
    stream.setRawMode(true);
    const decoder = new SerialDecoder(
      (frame) => this.received(frame),
      () => {},
      SMP_MAX_FRAME,
    );
    stream.on("data", (chunk: Buffer) => decoder.feed(chunk));
    stream.on("error", (error) => this.lost(error));
    return {
      send: (frame) => {
        try {
          writeSync(wfd, encodeSerial(frame));
        } catch (error) {
          this.lost(error as Error);
        }
      },
      close: () => {
        stream.destroy();
        closeSync(wfd);
      },
    };
  }

  close(): void {
    this.link?.close();
  }

  /** Sends one request and returns the answer's map (throws on transport or protocol errors). */
  async request(op: number, cmd: number, body: SmpMap, timeoutMs?: number): Promise<SmpMap> {
    // cbor2 writes a Buffer through its toJSON(); a plain Uint8Array view is a byte string.
    const plain = Object.fromEntries(
      Object.entries(body).map(([k, v]) => [
        k,
        Buffer.isBuffer(v) ? new Uint8Array(v.buffer, v.byteOffset, v.length) : v,
      ]),
    );
    const payload = Buffer.from(encode(plain));
    if (payload.length + SMP_HEADER_SIZE > SMP_MAX_FRAME)
      throw new OcreError("OCRE_INTERNAL", `an SMP request of ${payload.length} bytes`, { exitCode: 2 });
    const seq = this.seq++ & 0xff;
    const header = Buffer.alloc(SMP_HEADER_SIZE);
    header[0] = (1 << 3) | op; // SMP version 2 (bits 3-4 = 1)
    header.writeUInt16BE(payload.length, 2);
    header.writeUInt16BE(OCRE_SMP_GROUP, 4);
    header[6] = seq;
    header[7] = cmd;
    this.link!.send(Buffer.concat([header, payload]));
    const frame = await this.readFrame(timeoutMs ?? this.options.answerTimeoutMs ?? 30_000);
    if (
      (frame[0]! & 0x07) !== op + 1 ||
      frame.readUInt16BE(4) !== OCRE_SMP_GROUP ||
      frame[6] !== seq ||
      frame[7] !== cmd
    )
      throw protocol(this.where, "an answer that does not match the request (op, group, sequence or command)");
    let map: unknown;
    try {
      map = decode(frame.subarray(SMP_HEADER_SIZE));
    } catch {
      throw protocol(this.where, "an answer that is not CBOR");
    }
    if (map === null || typeof map !== "object" || Array.isArray(map) || map instanceof Map)
      throw protocol(this.where, "an answer that is not a CBOR map with text keys");
    return map as SmpMap;
  }

  private async readFrame(timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) {
        if (frame.length < SMP_HEADER_SIZE || frame.readUInt16BE(2) !== frame.length - SMP_HEADER_SIZE)
          throw protocol(this.where, "a frame whose length is not its header's");
        return frame;
      }
      if (this.closed) throw unavailable(this.where, this.closed.message);
      const left = deadline - Date.now();
      if (left <= 0) {
        this.link?.close();
        throw unavailable(this.where, `no answer within ${Math.round(timeoutMs / 1000)} s`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }
}

function unavailable(where: string, cause: string): OcreError {
  return new OcreError("OCRE_DEVICE_UNAVAILABLE", `cannot reach the device at ${where}: ${escapeText(cause)}`, {
    hint: "check that the device (or `ocre_device`) runs and listens on that address or port",
  });
}

function protocol(where: string, what: string): OcreError {
  return new OcreError("OCRE_DEVICE_PROTOCOL", `the device at ${where} sent ${what}`, {
    hint: "is it an ocre device agent? (SMP group 64)",
  });
}

/** The answer's "rc" (0 when absent, as MCUmgr allows) and "rsn" (escaped, bounded). */
export function resultOf(map: SmpMap): { rc: number; reason: string | undefined } {
  const rc = typeof map.rc === "number" ? map.rc : 0;
  const reason = typeof map.rsn === "string" ? escapeText(map.rsn.slice(0, 200)) : undefined;
  return { rc, reason };
}
