/**
 * `ocre deploy` and `ocre device` against the POSIX device (wamr-glue/port/posix/
 * ocre_device_posix.c: the device agent over file-backed flash, SMP over TCP on loopback, no
 * engine), and the device's own registry pull against Debian's docker-registry on loopback,
 * directly and through a fault-injecting proxy: registry down, truncated, tampered and
 * mislabelled content, redirects; and over https, against the registry with TLS (a CA and
 * certificates made by openssl): the right CA, another CA, a certificate for another host
 * name, a redirect from https to http. The device's stderr carries its health events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa, type ResultPromise } from "execa";
import http from "node:http";
import https from "node:https";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { freePort, makeCertificates, startRegistry } from "./registry-server.mjs";
import { missingTools } from "./helpers/tools.js";
import { cliPath, repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { packageImage } from "../cli/oci/index.js";
import { parseHealth } from "../cli/abi/health.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

type Registry = Awaited<ReturnType<typeof startRegistry>>;

interface Device {
  address: string;
  /** "serial:/dev/pts/N": the device's console, a pseudo-terminal. */
  serial: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

let deviceBinary = "";

async function startDevice(flash: string, trust: string, extra: string[] = []): Promise<Device> {
  const child: ResultPromise = execa(
    deviceBinary,
    ["--listen", "127.0.0.1:0", "--flash", flash, "--trust", trust, "--serial", "pty", ...extra],
    { reject: false, buffer: false },
  );
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const [serial, address] = await new Promise<[string, string]>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /serial on (\S+)\n[^]*listening on (\S+)/.exec(out);
      if (m) resolve([`serial:${m[1]!}`, m[2]!]);
    });
    void child.then(() => reject(new Error(`ocre-device exited: ${err}`)));
  });
  return {
    address,
    serial,
    stderr: () => err,
    stop: async () => {
      child.kill("SIGTERM");
      await child;
    },
  };
}

/** The health events in the device's log ("health event=..." lines). */
function healthOf(device: Device) {
  return device
    .stderr()
    .split("\n")
    .filter((l) => l.includes("] health "))
    .map((l) => parseHealth(l.slice(l.indexOf("] health ") + 9)));
}

/** An app directory with a built (and optionally signed) image of `seed`; returns its digest. */
async function app(seed: number, signWith?: string): Promise<{ dir: string; digest: string }> {
  const dir = await tempDir(`ocre-deploy-app${seed}-`);
  const spec = (await fixtureSpec({ name: "hello", seed })) as ContainerSpec;
  const report = await packageImage(spec, fixtureConfig(spec, dir) as ResolvedConfig, {
    sourceDateEpoch: "1700000000",
  });
  if (signWith !== undefined) {
    const signed = await runOcre(["sign", "--key", signWith], { cwd: dir });
    expect(signed.exitCode, signed.stderr).toBe(0);
  }
  return { dir, digest: report.digest };
}

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(missingTools("cmake", "ninja", "gcc", "pkg-config", "docker-registry"))(
  "ocre deploy / ocre device against the POSIX device",
  () => {
    let keys = "";
    let device: Device;
    let flash = "";
    let v1: { dir: string; digest: string };
    let v2: { dir: string; digest: string };

    beforeAll(async () => {
      const build = await tempDir("ocre-device-build-");
      await execa("cmake", ["-S", path.join(repoRoot, "test/c"), "-B", build, "-G", "Ninja"]);
      await execa("nice", ["cmake", "--build", build, "--target", "ocre_device"]);
      deviceBinary = path.join(build, "ocre_device");
      keys = await tempDir("ocre-deploy-keys-");
      for (const name of ["good", "other"])
        expect((await runOcre(["keys", "generate", "-o", name], { cwd: keys })).exitCode).toBe(0);
      v1 = await app(1, path.join(keys, "good.key"));
      v2 = await app(2, path.join(keys, "good.key"));
      flash = path.join(await tempDir("ocre-deploy-flash-"), "flash.bin");
      device = await startDevice(flash, path.join(keys, "good.pub"));
    }, 300_000);
    afterAll(async () => {
      await device?.stop();
    });

    it("installs an app, updates it, rolls it back, and keeps it across a restart", async () => {
      const first = await runOcre(["deploy", v1.dir, "--device", device.address, "--json"]);
      expect(first.exitCode, first.stderr).toBe(0);
      const installed = json(first.stdout);
      expect(installed).toMatchObject({ ok: true, name: "hello", digest: v1.digest, via: "host" });
      // A first install has nothing to roll back to: no trial, confirmed at once.
      expect(installed.entry).toMatchObject({ name: "hello", digest: v1.digest, confirmed: true });
      expect(installed.entry.previous).toBeUndefined();

      const second = await runOcre(["deploy", v2.dir, "--device", device.address, "--json"]);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(json(second.stdout).entry).toMatchObject({ digest: v2.digest, previous: v1.digest });
      expect(second.stderr).toContain("hello: updated on");

      const ls = await runOcre(["device", "ls", "--device", device.address, "--json"]);
      expect(ls.exitCode, ls.stderr).toBe(0);
      expect(json(ls.stdout).containers).toEqual([
        expect.objectContaining({ name: "hello", digest: v2.digest, previous: v1.digest, running: false }),
      ]);
      const table = await runOcre(["device", "ls", "--device", device.address]);
      expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+DIGEST\s+VERSION\s+SIZE\s+STATE\s+PREVIOUS$/);
      expect(table.stdout).toContain(v2.digest.slice(0, 19));

      const back = await runOcre(["device", "rollback", "hello", "--device", device.address, "--json"]);
      expect(back.exitCode, back.stderr).toBe(0);
      expect(json(back.stdout).entry.digest).toBe(v1.digest);
      // The rolled-back version never comes back: nothing left to roll back to.
      const again = await runOcre(["device", "rollback", "hello", "--device", device.address]);
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toContain("OCRE_DEVICE_REFUSED");
      expect(again.stderr).toContain("no previous version to go back to");

      // Power cycle: the store is the flash file.
      await device.stop();
      device = await startDevice(flash, path.join(keys, "good.pub"));
      const after = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
      expect(after.containers.map((c: { digest: string }) => c.digest)).toEqual([v1.digest]);
    });

    it("refuses unsigned and untrusted images, the installed version stays", async () => {
      const unsigned = await app(3);
      const r1 = await runOcre(["deploy", unsigned.dir, "--device", device.address]);
      expect(r1.exitCode).toBe(1);
      expect(r1.stderr).toContain("OCRE_SIGNATURE_MISSING");

      const untrusted = await app(4, path.join(keys, "other.key"));
      const r2 = await runOcre(["deploy", untrusted.dir, "--device", device.address, "--json"]);
      expect(r2.exitCode).toBe(1);
      expect(r2.stdout + r2.stderr).toContain("the signature is not by a trusted key");

      const ls = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
      expect(ls.containers.map((c: { digest: string }) => c.digest)).toEqual([v1.digest]);
      const refused = healthOf(device).filter((e) => e?.event === "refused");
      expect(refused.at(-1)).toMatchObject({
        container: "hello",
        fields: { reason: "install: the signature is not by a trusted key" },
      });
    });

    it("bad addresses and a device that is not there are user errors", async () => {
      const bad = await runOcre(["device", "ls", "--device", "nowhere"]);
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toContain("OCRE_DEVICE_ADDRESS");
      const down = await runOcre(["device", "ls", "--device", `127.0.0.1:${await freePort()}`]);
      expect(down.exitCode).toBe(1);
      expect(down.stderr).toContain("OCRE_DEVICE_UNAVAILABLE");
      const name = await runOcre(["device", "rm", "../x", "--device", device.address]);
      expect(name.exitCode).toBe(1);
      expect(name.stderr).toContain("is not a container name");
    });

    it("answers hostile frames with an error and keeps serving", async () => {
      const net = await import("node:net");
      const [host, port] = device.address.split(":");
      const socket = net.connect({ host, port: Number(port) });
      await new Promise((r) => socket.once("connect", r));
      let got = Buffer.alloc(0);
      socket.on("data", (d: Buffer) => (got = Buffer.concat([got, d])));
      /** Sends one frame (header + body as given) and returns the answer's rc and rsn. */
      const send = async (op: number, group: number, cmd: number, body: Buffer, len = body.length) => {
        got = Buffer.alloc(0);
        const h = Buffer.from([(1 << 3) | op, 0, len >> 8, len & 0xff, group >> 8, group & 0xff, 7, cmd]);
        socket.write(Buffer.concat([h, body]));
        for (let i = 0; i < 200 && (got.length < 8 || got.length < 8 + got.readUInt16BE(2)); i++)
          await new Promise((r) => setTimeout(r, 10));
        const { decode } = await import("cbor2");
        expect(got[6]).toBe(7); // the sequence number comes back
        return decode(got.subarray(8)) as { rc: number; rsn?: string; off?: number };
      };
      // Not a map; a text key longer than the frame; a nested map; an unknown group; an unknown command.
      expect(await send(0, 64, 0, Buffer.from([0x83, 1, 2, 3]))).toMatchObject({ rc: 3 });
      expect(await send(2, 64, 1, Buffer.from([0xa1, 0x79, 0xff, 0xff, 0x61]))).toMatchObject({ rc: 3 });
      expect(await send(2, 64, 2, Buffer.from([0xa1, 0x61, 0x61, 0xa0]))).toMatchObject({ rc: 3 });
      expect(await send(0, 1, 0, Buffer.from([0xa0]))).toMatchObject({ rc: 8 });
      expect(await send(2, 64, 99, Buffer.from([0xa0]))).toMatchObject({ rc: 8 });
      // An install chunk that does not start at 0: bad state, and the offset expected.
      const { encode } = await import("cbor2");
      const chunk = Buffer.from(encode({ off: 100, data: new Uint8Array(4) }));
      expect(await send(2, 64, 1, chunk)).toMatchObject({ rc: 6, off: 0 });
      // Sizes out of bounds are refused before anything is written.
      const huge = Buffer.from(
        encode({ off: 0, name: "x", msz: 100, psz: 100, dsz: 70, wsz: 0xfffffff0, data: new Uint8Array(4) }),
      );
      expect(await send(2, 64, 1, huge)).toMatchObject({ rc: 2 });
      // A header announcing more than a frame: the device hangs up.
      socket.write(Buffer.from([(1 << 3) | 2, 0, 0xff, 0xff, 0, 64, 0, 1]));
      await new Promise((r) => socket.once("close", r));
      const ls = await runOcre(["device", "ls", "--device", device.address, "--json"]);
      expect(ls.exitCode, ls.stderr).toBe(0);
      expect(json(ls.stdout).containers.map((c: { digest: string }) => c.digest)).toEqual([v1.digest]);
    });

    it("installs and rolls back over the serial console (SMP serial framing)", async () => {
      const r = await runOcre(["deploy", v2.dir, "--device", device.serial, "--json"]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(json(r.stdout)).toMatchObject({ device: device.serial, digest: v2.digest });
      expect(json(r.stdout).entry).toMatchObject({ digest: v2.digest, previous: v1.digest });
      // The same store seen over TCP.
      const tcp = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
      expect(tcp.containers.map((c: { digest: string }) => c.digest)).toEqual([v2.digest]);
      const back = await runOcre(["device", "rollback", "hello", "--device", device.serial, "--json"]);
      expect(back.exitCode, back.stderr).toBe(0);
      expect(json(back.stdout).entry.digest).toBe(v1.digest);
      const missing = await runOcre(["device", "ls", "--device", "serial:/nonexistent/tty"]);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toContain("OCRE_DEVICE_UNAVAILABLE");
    });

    it("device logs: the log ring shows the refusal, the update and the rollback, over TCP and serial", async () => {
      // Since the restart in the first test: the untrusted install, the serial update and rollback.
      const r = await runOcre(["device", "logs", "--device", device.address, "--json"]);
      expect(r.exitCode, r.stderr).toBe(0);
      const got = json(r.stdout);
      expect(got).toMatchObject({ ok: true, first: 0, missed: 0 });
      const health = got.entries.filter((e: { kind: string }) => e.kind === "health");
      expect(health.map((e: { text: string }) => /^event=(\w+)/.exec(e.text)![1])).toEqual([
        "refused",
        "updated",
        "rolledback",
      ]);
      expect(health[0]).toMatchObject({ name: "hello", seq: 0 });
      expect(health[0].text).toContain("reason=install: the signature is not by a trusted key");
      expect(health[1].text).toContain(`digest=${v2.digest.slice(0, 23)}`);
      expect(health[2].text).toContain("reason=asked by the host");
      expect(got.next).toBe(got.entries.at(-1).seq + 1);
      // The same over the serial console, as lines; nothing new after "next".
      const text = await runOcre(["device", "logs", "--device", device.serial]);
      expect(text.exitCode, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        /^\[ +\d+\.\d{3} s\] hello health: event=refused reason=install: the signature is not by a trusted key$/m,
      );
      expect(text.stdout.trim().split("\n")).toHaveLength(got.entries.length);
      const none = json(
        (await runOcre(["device", "logs", "--device", device.address, "--since", String(got.next), "--json"])).stdout,
      );
      expect(none.entries).toEqual([]);
      const bad = await runOcre(["device", "logs", "--device", device.address, "--since", "-1"]);
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toContain("OCRE_FLAG_INVALID");
    });

    it("device logs --follow (on the serial console) prints new entries as JSON lines until interrupted", async () => {
      const since = json((await runOcre(["device", "logs", "--device", device.address, "--json"])).stdout).next;
      const follow = execa(
        process.execPath,
        [cliPath, "device", "logs", "--device", device.serial, "--follow", "--json", "--since", String(since)],
        { reject: false },
      );
      let out = "";
      follow.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      const deployed = await runOcre(["deploy", v2.dir, "--device", device.address]);
      expect(deployed.exitCode, deployed.stderr).toBe(0);
      for (let i = 0; i < 100 && !out.includes("\n"); i++) await new Promise((r) => setTimeout(r, 50));
      follow.kill("SIGINT");
      const done = await follow;
      expect(done.exitCode, done.stderr).toBe(0);
      const lines = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { seq: number; text: string });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ seq: since, kind: "health", name: "hello" });
      expect(lines[0]!.text).toMatch(/^event=updated digest=sha256:[0-9a-f]{16} previous=sha256:[0-9a-f]{16} seq=\d+$/);
      // Back to v1 running, as the registry tests below expect.
      expect((await runOcre(["device", "rollback", "hello", "--device", device.address])).exitCode).toBe(0);
    });

    describe("the device pulls from a registry", () => {
      let registry: Registry;
      let proxy: http.Server;
      let proxyPort = 0;
      /** What the proxy does to the next requests: by path pattern. */
      let fault:
        | ((
            req: http.IncomingMessage,
            body: Buffer,
          ) => { status?: number; headers?: object; body?: Buffer; cut?: number } | undefined)
        | undefined;
      let blobRequests = 0;

      beforeAll(async () => {
        registry = await startRegistry();
        for (const [v, tag] of [
          [v1, "1.0.0"],
          [v2, "2.0.0"],
        ] as const) {
          const pushed = await runOcre(["push", `${registry.host}/iot/hello:${tag}`], { cwd: v.dir });
          expect(pushed.exitCode, pushed.stderr).toBe(0);
        }
        proxyPort = await freePort();
        // A proxy in front of the real registry that can cut, change or redirect its answers.
        proxy = http.createServer((req, res) => {
          if (req.url!.includes("/blobs/")) blobRequests++;
          http.get(
            { host: "127.0.0.1", port: Number(registry.host.split(":")[1]), path: req.url, headers: req.headers },
            (up) => {
              const chunks: Buffer[] = [];
              up.on("data", (c: Buffer) => chunks.push(c));
              up.on("end", () => {
                const body = Buffer.concat(chunks);
                const f = fault?.(req, body);
                if (f?.status !== undefined) {
                  res.writeHead(f.status, { ...f.headers, "content-length": String(f.body?.length ?? 0) });
                  res.end(f.body);
                  return;
                }
                res.writeHead(up.statusCode!, { ...up.headers, "content-length": String(body.length) });
                const out = f?.body ?? body;
                if (f?.cut !== undefined) {
                  // Headers and the first bytes reach the device, then the connection drops.
                  res.write(out.subarray(0, f.cut), () => res.socket?.destroy());
                  return;
                }
                res.end(out);
              });
            },
          );
        });
        await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", r));
      }, 120_000);
      afterAll(async () => {
        await new Promise((r) => proxy?.close(r));
        await registry?.stop();
      });

      const pull = (tag: string, via = `127.0.0.1:${proxyPort}`) =>
        runOcre([
          "deploy",
          `${registry.host}/iot/hello:${tag}`,
          "--device",
          device.address,
          "--registry-as",
          via,
          "--json",
        ]);
      const wasmBlob = (req: http.IncomingMessage, body: Buffer) =>
        req.url!.includes("/blobs/") && body.subarray(0, 4).toString("latin1") === "\0asm";

      it("pulls by digest: the update is verified and installed", async () => {
        fault = undefined;
        const r = await pull("2.0.0", registry.host);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(json(r.stdout)).toMatchObject({ via: "device", tls: false, digest: v2.digest });
        expect(json(r.stdout).entry).toMatchObject({ digest: v2.digest, previous: v1.digest });
        const updated = healthOf(device).filter((e) => e?.event === "updated");
        expect(updated.at(-1)!.fields.digest).toBe(v2.digest.slice(0, 23));
      });

      it("refuses a tampered layer, a mislabelled manifest, and a registry that is down", async () => {
        fault = (req, body) =>
          wasmBlob(req, body)
            ? { body: Buffer.concat([body.subarray(0, -1), Buffer.from([body.at(-1)! ^ 1])]) }
            : undefined;
        const tampered = await pull("1.0.0");
        expect(tampered.exitCode).toBe(1);
        expect(tampered.stdout + tampered.stderr).toContain("tampered: the layer's sha256 is not its digest");

        fault = (req, body) =>
          req.url!.includes("/manifests/sha256:")
            ? { body: Buffer.from(body.toString().replace("{", "{ ")) }
            : undefined;
        const mislabelled = await pull("1.0.0");
        expect(mislabelled.exitCode).toBe(1);
        expect(mislabelled.stdout + mislabelled.stderr).toContain("wrong digest");

        fault = undefined;
        const t0 = Date.now();
        const down = await pull("1.0.0", `127.0.0.1:${await freePort()}`);
        expect(down.exitCode).toBe(1);
        expect(down.stdout + down.stderr).toContain("cannot connect to the registry");
        // Three retries with back-off (0.2 + 0.4 + 0.8 s), then it gives up.
        expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);

        const ls = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
        expect(ls.containers.map((c: { digest: string }) => c.digest)).toEqual([v2.digest]);
      });

      it("retries a truncated layer, follows one redirect, refuses two", async () => {
        let cuts = 1;
        fault = (req, body) => (wasmBlob(req, body) && cuts-- > 0 ? { cut: Math.floor(body.length / 2) } : undefined);
        blobRequests = 0;
        const truncated = await pull("1.0.0");
        expect(truncated.exitCode, truncated.stdout + truncated.stderr).toBe(0);
        expect(json(truncated.stdout).entry).toMatchObject({ digest: v1.digest, previous: v2.digest });
        expect(device.stderr()).toContain("truncated: the registry closed the connection mid-body, retrying");

        const base = `http://${registry.host}`;
        fault = (req) =>
          req.url!.includes("/blobs/") ? { status: 307, headers: { location: `${base}${req.url}` } } : undefined;
        const redirected = await pull("2.0.0");
        expect(redirected.exitCode, redirected.stdout + redirected.stderr).toBe(0);

        fault = (req) =>
          req.url!.includes("/blobs/")
            ? { status: 307, headers: { location: `http://127.0.0.1:${proxyPort}${req.url}` } }
            : undefined;
        const twice = await pull("1.0.0");
        expect(twice.exitCode).toBe(1);
        expect(twice.stdout + twice.stderr).toContain("more than one redirect");
        fault = undefined;
      });

      it("a layer that is always cut short fails after bounded retries, the old version stays", async () => {
        fault = (req, body) => (wasmBlob(req, body) ? { cut: 10 } : undefined);
        blobRequests = 0;
        const r = await pull("1.0.0");
        expect(r.exitCode).toBe(1);
        expect(r.stdout + r.stderr).toContain("truncated");
        // The payload blob once, the layer 1 + 3 retries.
        expect(blobRequests).toBe(5);
        fault = undefined;
        const ls = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
        expect(ls.containers.map((c: { digest: string }) => c.digest)).toEqual([v2.digest]);
      });

      it("resolves a tag on the device only where the firmware allows it; the signature is for what the tag named", async () => {
        fault = undefined;
        // The reference names a registry the host cannot reach: with --resolve device the host
        // never contacts it, and the device reaches the registry through --registry-as.
        const nowhere = `127.0.0.1:${await freePort()}`;
        const deployTag = (target: Device, tag: string, ...more: string[]) =>
          runOcre([
            "deploy",
            `${nowhere}/iot/hello:${tag}`,
            "--resolve",
            "device",
            "--registry-as",
            `127.0.0.1:${proxyPort}`,
            "--device",
            target.address,
            "--json",
            ...more,
          ]);
        const manifestsAsked: string[] = [];
        fault = (req) => {
          if (req.url!.includes("/manifests/")) manifestsAsked.push(req.url!);
          return undefined;
        };
        const digestOnly = await deployTag(device, "1.0.0");
        expect(digestOnly.exitCode).toBe(1);
        expect(digestOnly.stderr).toContain("OCRE_DEVICE_REFUSED");
        expect(digestOnly.stderr).toContain("this device pulls by digest only (tags are not allowed");
        expect(manifestsAsked).toEqual([]);

        const tags = await startDevice(
          path.join(await tempDir("ocre-deploy-tags-"), "flash.bin"),
          path.join(keys, "good.pub"),
          ["--allow-tags"],
        );
        try {
          for (const [v, previous] of [
            [v1, undefined],
            [v2, v1],
          ] as const) {
            // The tag "stable" moves from v1 to v2; the device follows it.
            const pushed = await runOcre(["push", `${registry.host}/iot/hello:stable`], { cwd: v.dir });
            expect(pushed.exitCode, pushed.stderr).toBe(0);
            const r = await deployTag(tags, "stable");
            expect(r.exitCode, r.stderr).toBe(0);
            expect(json(r.stdout)).toMatchObject({ via: "device", resolve: "device", tls: false, digest: v.digest });
            expect(json(r.stdout).entry).toMatchObject({
              digest: v.digest,
              ...(previous ? { previous: previous.digest } : {}),
            });
            expect(tags.stderr()).toContain(`hello: tag stable is ${v.digest}`);
          }
          expect(manifestsAsked).toContain("/v2/iot/hello/manifests/stable");
          const human = await runOcre([
            "deploy",
            `${nowhere}/iot/hello:1.0.0`,
            "--resolve",
            "device",
            "--registry-as",
            `127.0.0.1:${proxyPort}`,
            "--device",
            tags.address,
          ]);
          expect(human.exitCode, human.stderr).toBe(0);
          expect(human.stderr).toContain("pulled by the device over http, which resolved the reference itself");

          // Bytes changed under the tag have another digest, which no one signed.
          fault = (req, body) =>
            req.url!.endsWith("/manifests/stable")
              ? { body: Buffer.from(body.toString().replace("{", "{ ")) }
              : undefined;
          const changed = await deployTag(tags, "stable");
          expect(changed.exitCode).toBe(1);
          expect(changed.stderr).toContain("unsigned: no cosign signature");
          fault = undefined;
          const missing = await deployTag(tags, "9.9.9");
          expect(missing.exitCode).toBe(1);
          expect(missing.stderr).toContain("not found in the registry");
          const ls = json((await runOcre(["device", "ls", "--device", tags.address, "--json"])).stdout);
          expect(ls.containers.map((c: { digest: string }) => c.digest)).toEqual([v1.digest]);
        } finally {
          await tags.stop();
        }

        const viaHost = await deployTag(device, "1.0.0", "--via", "host");
        expect(viaHost.exitCode).toBe(1);
        expect(viaHost.stderr).toContain("--resolve device needs the device to pull the image itself");
      });
    });

    describe("the device pulls over https (TLS, the device's registry CA)", () => {
      let registry: Registry;
      let good: Device;
      let otherCa: Device;
      /** TLS servers on loopback: one with a certificate (by the registry's CA) for another host name, one that redirects to http. */
      let wrongHost: https.Server;
      let downgrade: https.Server;
      let wrongHostConnections = 0;

      const listen = async (server: https.Server) => {
        const port = await freePort();
        await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
        return port;
      };
      const pull = (dev: Device, tag: string, via?: string) =>
        runOcre([
          "deploy",
          `${registry.host}/iot/hello:${tag}`,
          "--device",
          dev.address,
          "--ca-file",
          registry.caFile!,
          ...(via === undefined ? [] : ["--registry-as", via]),
          "--json",
        ]);
      const digests = async (dev: Device) =>
        json((await runOcre(["device", "ls", "--device", dev.address, "--json"])).stdout).containers.map(
          (c: { digest: string }) => c.digest,
        );

      beforeAll(async () => {
        registry = await startRegistry({ tls: true });
        for (const [v, tag] of [
          [v1, "1.0.0"],
          [v2, "2.0.0"],
        ] as const) {
          const pushed = await runOcre(["push", `${registry.host}/iot/hello:${tag}`, "--ca-file", registry.caFile!], {
            cwd: v.dir,
          });
          expect(pushed.exitCode, pushed.stderr).toBe(0);
        }
        const dir = await tempDir("ocre-deploy-tls-");
        const other = await makeCertificates(path.join(dir, "other"));
        // A certificate for other.example only, signed by the registry's own CA.
        const caDir = path.dirname(registry.caFile!);
        await execa(
          "openssl",
          [
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "wrong.key",
            "-out",
            "wrong.csr",
            "-subj",
            "/CN=other.example",
          ],
          { cwd: dir },
        );
        await execa(
          "sh",
          ["-c", "printf 'subjectAltName=DNS:other.example\\nextendedKeyUsage=serverAuth\\n' > wrong.cnf"],
          { cwd: dir },
        );
        await execa(
          "openssl",
          [
            "x509",
            "-req",
            "-in",
            "wrong.csr",
            "-CA",
            path.join(caDir, "ca.crt"),
            "-CAkey",
            path.join(caDir, "ca.key"),
            "-CAcreateserial",
            "-out",
            "wrong.crt",
            "-days",
            "2",
            "-extfile",
            "wrong.cnf",
          ],
          { cwd: dir },
        );
        const serverCert = await readFile(path.join(caDir, "server.crt"));
        const serverKey = await readFile(path.join(caDir, "server.key"));
        wrongHost = https.createServer(
          { cert: await readFile(path.join(dir, "wrong.crt")), key: await readFile(path.join(dir, "wrong.key")) },
          (_req, res) => res.writeHead(404, { "content-length": "0" }).end(),
        );
        wrongHost.on("connection", () => wrongHostConnections++);
        const plainPort = await freePort();
        downgrade = https.createServer({ cert: serverCert, key: serverKey }, (req, res) =>
          res.writeHead(307, { location: `http://127.0.0.1:${plainPort}${req.url}`, "content-length": "0" }).end(),
        );
        good = await startDevice(path.join(dir, "good.bin"), path.join(keys, "good.pub"), [
          "--registry-ca",
          registry.caFile!,
        ]);
        otherCa = await startDevice(path.join(dir, "other.bin"), path.join(keys, "good.pub"), [
          "--registry-ca",
          other.caFile,
        ]);
        for (const dev of [good, otherCa]) {
          const sent = await runOcre(["deploy", v1.dir, "--device", dev.address, "--json"]);
          expect(sent.exitCode, sent.stderr).toBe(0);
        }
      }, 120_000);
      afterAll(async () => {
        await good?.stop();
        await otherCa?.stop();
        for (const server of [wrongHost, downgrade]) if (server?.listening) await new Promise((r) => server.close(r));
        await registry?.stop();
      });

      it("pulls over https with the registry's CA: the host's scheme by default, or https:// in --registry-as", async () => {
        const updated = await pull(good, "2.0.0");
        expect(updated.exitCode, updated.stdout + updated.stderr).toBe(0);
        expect(json(updated.stdout)).toMatchObject({ via: "device", tls: true, digest: v2.digest });
        expect(json(updated.stdout).entry).toMatchObject({ digest: v2.digest, previous: v1.digest });
        expect(good.stderr()).toContain(`pulling https://${registry.host}/iot/hello@${v2.digest}`);

        const explicit = await runOcre([
          "deploy",
          `${registry.host}/iot/hello:1.0.0`,
          "--device",
          good.address,
          "--ca-file",
          registry.caFile!,
          "--registry-as",
          `https://${registry.host}`,
        ]);
        expect(explicit.exitCode, explicit.stdout + explicit.stderr).toBe(0);
        expect(explicit.stderr).toContain("hello: updated on");
        expect(explicit.stderr).toContain("pulled by the device over https)");
        const ls = json((await runOcre(["device", "ls", "--device", good.address, "--json"])).stdout);
        expect(ls.containers).toEqual([expect.objectContaining({ digest: v1.digest, previous: v2.digest })]);
      });

      it("refuses a registry certificate from another CA, and a device with no registry CA; the old version stays", async () => {
        const r = await pull(otherCa, "2.0.0");
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toContain("OCRE_DEVICE_REFUSED");
        expect(r.stderr).toContain("TLS: the registry's certificate is not signed by the device's registry CA");
        expect(await digests(otherCa)).toEqual([v1.digest]);
        const refused = healthOf(otherCa).filter((e) => e?.event === "refused");
        expect(refused.at(-1)!.fields.reason).toContain("pull: TLS: the registry's certificate is not signed");

        // The outer device was started without --registry-ca: it pulls over http only.
        const before = await digests(device);
        const none = await pull(device, "2.0.0");
        expect(none.exitCode).toBe(1);
        expect(none.stderr).toContain("TLS: the device has no registry CA configured");
        expect(await digests(device)).toEqual(before);
      });

      it("refuses a certificate for another host name (once, not retried) and a redirect from https to http", async () => {
        const port = await listen(wrongHost);
        const wrong = await pull(good, "2.0.0", `https://127.0.0.1:${port}`);
        expect(wrong.exitCode).toBe(1);
        expect(wrong.stderr).toContain("TLS: the registry's certificate is for another host name");
        // A certificate does not get better on a second try: one connection, no retries.
        expect(wrongHostConnections).toBe(1);

        const downgradePort = await listen(downgrade);
        const redirected = await pull(good, "2.0.0", `https://127.0.0.1:${downgradePort}`);
        expect(redirected.exitCode).toBe(1);
        expect(redirected.stderr).toContain("a redirect from https to another scheme");
        expect(await digests(good)).toEqual([v1.digest]);
      });
    });
  },
);
