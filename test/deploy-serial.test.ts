/**
 * SMP's serial framing on the host (cli/deploy/serial.ts); the device side is exercised end to
 * end by test/deploy.test.ts over a pseudo-terminal.
 */
import { describe, expect, it } from "vitest";
import { SerialDecoder, crc16itu, encodeSerial } from "../cli/deploy/serial.js";

describe("SMP serial framing", () => {
  it("uses CRC-16/XMODEM (Zephyr's crc16_itu_t, seed 0): check value 0x31C3", () => {
    expect(crc16itu(Buffer.from("123456789"))).toBe(0x31c3);
  });

  it("splits a frame into marked lines of at most 127 bytes and reassembles it among console text", () => {
    const frame = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 7) & 0xff));
    const wire = encodeSerial(frame);
    const lines = wire.toString("latin1").split("\n").slice(0, -1);
    expect(lines.length).toBe(Math.ceil((frame.length + 4) / 93));
    expect(lines.every((l) => l.length + 1 <= 127)).toBe(true);
    expect(lines[0]!.slice(0, 2)).toBe("\x06\x09");
    expect(lines.slice(1).every((l) => l.startsWith("\x04\x14"))).toBe(true);
    const got: Buffer[] = [];
    const text: string[] = [];
    const decoder = new SerialDecoder(
      (f) => got.push(f),
      (t) => text.push(t),
    );
    // Console output before and between the lines, and the bytes in odd pieces.
    const mixed = Buffer.concat([
      Buffer.from("[00:00:01] booting\n"),
      Buffer.from(lines[0]! + "\n", "latin1"),
      Buffer.from("I: log line\n"),
      Buffer.from(lines.slice(1).join("\n") + "\n", "latin1"),
    ]);
    for (let i = 0; i < mixed.length; i += 13) decoder.feed(mixed.subarray(i, i + 13));
    expect(got).toEqual([frame]);
    expect(text).toEqual(["[00:00:01] booting", "I: log line"]);
  });

  it("drops a packet with a wrong CRC", () => {
    const wire = Buffer.from(encodeSerial(Buffer.from("0123456789abcdef")));
    const raw = Buffer.from(wire.subarray(2, wire.length - 1).toString(), "base64");
    raw[raw.length - 1]! ^= 1;
    const bad = Buffer.concat([Buffer.from([6, 9]), Buffer.from(raw.toString("base64")), Buffer.from("\n")]);
    const got: Buffer[] = [];
    new SerialDecoder((f) => got.push(f)).feed(bad);
    expect(got).toEqual([]);
  });
});
