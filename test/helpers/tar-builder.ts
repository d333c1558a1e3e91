import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

/**
 * A hand-made ustar writer for hostile archives: unlike a tar library, it writes whatever it is
 * told (absolute and `..` names, links, devices, FIFOs, sizes that lie), which is the point.
 */
export interface TarItem {
  readonly name: string;
  /** ustar typeflag: "0" file, "1" hard link, "2" symlink, "3" char dev, "4" block dev, "5" dir, "6" FIFO. */
  readonly type?: "0" | "1" | "2" | "3" | "4" | "5" | "6";
  readonly data?: Uint8Array | string;
  /** Size written in the header when it differs from the data (a header that lies). */
  readonly size?: number;
  readonly linkname?: string;
}

function field(buf: Buffer, offset: number, length: number, text: string): void {
  buf.write(text, offset, Math.min(length, Buffer.byteLength(text)), "utf8");
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  field(buf, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

export function tarHeader(item: TarItem): Buffer {
  const h = Buffer.alloc(512);
  const data = item.data === undefined ? Buffer.alloc(0) : Buffer.from(item.data);
  let name = item.name;
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 154);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  field(h, 0, 100, name);
  octal(h, 100, 8, item.type === "5" ? 0o755 : 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, item.size ?? data.length);
  octal(h, 136, 12, 0);
  h.fill(0x20, 148, 156);
  field(h, 156, 1, item.type ?? "0");
  field(h, 157, 100, item.linkname ?? "");
  field(h, 257, 6, "ustar\0");
  field(h, 263, 2, "00");
  octal(h, 329, 8, 0);
  octal(h, 337, 8, 0);
  field(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

function padding(length: number): Buffer {
  return Buffer.alloc((512 - (length % 512)) % 512);
}

/** The archive as bytes: each header, its data padded to 512, then the two end blocks. */
export function tarBytes(items: readonly TarItem[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    const data = item.data === undefined ? Buffer.alloc(0) : Buffer.from(item.data);
    parts.push(tarHeader(item), data, padding(data.length));
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/**
 * A gzip bomb: a tar whose `items` are followed by an entry `bombName` declaring `bombBytes` of
 * zeros, all gzipped. The zeros are gzip members repeated (a gzip file may hold several), so
 * building it costs one 64 MiB compression whatever the declared size.
 */
export function gzipBomb(
  items: readonly TarItem[],
  bombName: string,
  bombBytes: number,
  after: readonly TarItem[] = [],
): Buffer {
  const chunk = 64 * 1024 * 1024;
  const zeros = gzipSync(Buffer.alloc(chunk), { level: 9 });
  const parts: Buffer[] = [
    gzipSync(Buffer.concat([tarBytes(items, false), tarHeader({ name: bombName, size: bombBytes })])),
  ];
  let left = bombBytes;
  while (left >= chunk) {
    parts.push(zeros);
    left -= chunk;
  }
  parts.push(gzipSync(Buffer.concat([Buffer.alloc(left), padding(bombBytes), tarBytes(after, true)])));
  return Buffer.concat(parts);
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Canonical-enough JSON bytes for hand-made documents. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
