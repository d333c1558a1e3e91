/**
 * SMP's serial framing (MCUmgr's console transport), the host side of
 * wamr-glue/src/ocre_smp_serial.c: a frame travels as its length (2 bytes, big-endian, counting
 * the CRC), the frame and a CRC16-CCITT (0x1021, seed 0), in lines of at most 127 bytes:
 * 0x06 0x09 + base64 for the first, 0x04 0x14 + base64 for the others, each line's base64
 * decoding on its own, "\n" at the end. Lines without a marker are console output.
 */

/** Raw bytes per line: 124 base64 characters, 2 marker bytes and "\n" make 127. */
const RAW_PER_LINE = 93;
const MAX_LINE = 127;

export function crc16itu(data: Uint8Array, crc = 0): number {
  for (const byte of data) {
    crc ^= byte << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function encodeSerial(frame: Uint8Array): Buffer {
  const raw = Buffer.alloc(frame.length + 4);
  raw.writeUInt16BE(frame.length + 2, 0);
  raw.set(frame, 2);
  raw.writeUInt16BE(crc16itu(frame), frame.length + 2);
  const lines: Buffer[] = [];
  for (let at = 0; at < raw.length; at += RAW_PER_LINE) {
    const marker = at === 0 ? [0x06, 0x09] : [0x04, 0x14];
    lines.push(
      Buffer.from(marker),
      Buffer.from(raw.subarray(at, at + RAW_PER_LINE).toString("base64")),
      Buffer.from("\n"),
    );
  }
  return Buffer.concat(lines);
}

/** Reassembles frames from console bytes; other lines are handed to `onText`. */
export class SerialDecoder {
  private line: number[] = [];
  private packet: Buffer | undefined;

  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    private readonly onText: (line: string) => void = () => {},
    private readonly maxFrame = 4096,
  ) {}

  feed(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte !== 0x0a) {
        if (this.line.length <= MAX_LINE) this.line.push(byte);
        continue;
      }
      const line = Buffer.from(this.line);
      this.line = [];
      this.take(line);
    }
  }

  private take(line: Buffer): void {
    const first = line[0] === 0x06 && line[1] === 0x09;
    const more = line[0] === 0x04 && line[1] === 0x14;
    if (line.length > MAX_LINE || (!first && !(more && this.packet))) {
      if (!first && !more) this.onText(line.toString("latin1"));
      return;
    }
    const text = line.subarray(2).toString("latin1");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      this.packet = undefined;
      return;
    }
    this.packet = Buffer.concat([first ? Buffer.alloc(0) : this.packet!, Buffer.from(text, "base64")]);
    if (this.packet.length < 2) return;
    const want = this.packet.readUInt16BE(0);
    if (want < 10 || want > this.maxFrame + 2 || this.packet.length - 2 > want) {
      this.packet = undefined;
      return;
    }
    if (this.packet.length - 2 < want) return;
    const frame = this.packet.subarray(2, want);
    const crc = this.packet.readUInt16BE(want);
    this.packet = undefined;
    if (crc16itu(frame) === crc) this.onFrame(Buffer.from(frame));
  }
}
