/**
 * `ocre device logs` against a hostile device: a TCP server on loopback that speaks SMP but
 * sends what a broken or malicious device might (terminal escapes in names and text,
 * malformed entries, an endless log). The POSIX device itself is exercised in deploy.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import { decode, encode } from "cbor2";
import { runOcre } from "./helpers/cli.js";

/** A device whose every answer to command 5 is made by `answer(since)`. */
async function fakeDevice(
  answer: (since: number) => Record<string, unknown>,
): Promise<{ address: string; close: () => void }> {
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= 8 + buf.readUInt16BE(2)) {
        const len = buf.readUInt16BE(2);
        const req = buf.subarray(0, 8 + len);
        buf = buf.subarray(8 + len);
        const since = (decode(req.subarray(8)) as { since?: number }).since ?? 0;
        const body = Buffer.from(encode(answer(since)));
        const h = Buffer.from([(1 << 3) | 1, 0, body.length >> 8, body.length & 0xff, 0, 64, req[6]!, req[7]!]);
        socket.write(Buffer.concat([h, body]));
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return { address: `127.0.0.1:${port}`, close: () => server.close() };
}

describe("ocre device logs from a hostile device", () => {
  let close = () => {};
  afterEach(() => close());

  it("escapes terminal control sequences in names and text, in lines and in JSON", async () => {
    const device = await fakeDevice((since) => ({
      rc: 0,
      first: 0,
      next: 1,
      entries:
        since === 0
          ? [
              {
                seq: 0,
                ms: 1500,
                kind: "stdout",
                name: "x\u001b[2J",
                text: "\u001b]0;owned\u0007 line\nFAKE \u009b31m",
              },
            ]
          : [],
    }));
    close = device.close;
    const r = await runOcre(["device", "logs", "--device", device.address]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe("[     1.500 s] x\\e[2J stdout: \\e]0;owned\\x07 line\\nFAKE \\x9b31m");
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const j = await runOcre(["device", "logs", "--device", device.address, "--json"]);
    expect(j.exitCode, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout).entries[0]).toEqual({
      seq: 0,
      ms: 1500,
      kind: "stdout",
      name: "x\\e[2J",
      text: "\\e]0;owned\\x07 line\\nFAKE \\x9b31m",
    });
  });

  it("refuses malformed entries and an endless log as protocol errors", async () => {
    const bad = await fakeDevice(() => ({
      rc: 0,
      first: 0,
      next: 1,
      entries: [{ seq: 0, ms: 1, kind: "evil", name: "a", text: "b" }],
    }));
    close = bad.close;
    const r = await runOcre(["device", "logs", "--device", bad.address]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("OCRE_DEVICE_PROTOCOL");
    expect(r.stderr).toContain("a malformed log entry");
    bad.close();

    // Every page says there is more: the host stops after a bounded number of pages.
    const endless = await fakeDevice((since) => ({
      rc: 0,
      first: 0,
      next: since + 1,
      entries: [{ seq: since, ms: 1, kind: "stdout", name: "a", text: "b" }],
    }));
    close = endless.close;
    const e = await runOcre(["device", "logs", "--device", endless.address]);
    expect(e.exitCode).toBe(1);
    expect(e.stderr).toContain("more than 256 pages of log");

    endless.close();
    const refusing = await fakeDevice(() => ({ rc: 8, rsn: "no ring \u001b[31m" }));
    close = refusing.close;
    const n = await runOcre(["device", "logs", "--device", refusing.address]);
    expect(n.exitCode).toBe(1);
    expect(n.stderr).toContain("OCRE_DEVICE_REFUSED");
    expect(n.stderr).toContain("no ring \\e[31m");
  });
});
