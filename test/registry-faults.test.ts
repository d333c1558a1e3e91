import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { freePort, startRegistry } from "./registry-server.mjs";
import { missingTools } from "./helpers/tools.js";
import { runOcre, tempDir } from "./helpers/cli.js";
import {
  fetchImage,
  packageImage,
  parseReference,
  pushImage,
  readLayoutEntries,
  readLayoutImage,
  type ImageContent,
  type ImageReport,
} from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

type Registry = Awaited<ReturnType<typeof startRegistry>>;

/** What the proxy does with one request. */
type Fault = "forward" | "drop" | "drop-after-forwarding-half" | "500" | "429" | "tamper-response" | "hold-until-post";

interface Seen {
  method: string;
  path: string;
  fault: Fault;
  /** The registry's answer, for forwarded requests. */
  status?: number;
  /** For "hold-until-post": whether a POST arrived while this request was held (else 1 s passed). */
  released?: "by a POST" | "by the time limit";
}

/**
 * A fault-injecting HTTP proxy on loopback in front of the real registry. `decide` picks a fault
 * per request; everything else is forwarded unchanged (the Host header is kept, so the registry's
 * Location headers point back at the proxy).
 */
async function startFaultProxy(upstreamPort: number) {
  const seen: Seen[] = [];
  // Requests held until the next POST arrives (or a time limit passes), then forwarded.
  const held: (() => void)[] = [];
  let decide: (method: string, path: string, index: number) => Fault = () => "forward";
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const fault = decide(method, url, seen.length);
    const entry: Seen = { method, path: url.split("?")[0] ?? url, fault };
    seen.push(entry);
    if (method === "POST") for (const release of held.splice(0)) release();
    if (fault === "500" || fault === "429") {
      req.resume();
      req.on("end", () => {
        res.writeHead(Number(fault), {
          "content-type": "application/json",
          ...(fault === "429" ? { "retry-after": "0" } : {}),
        });
        res.end('{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}');
      });
      return;
    }
    if (fault === "drop") {
      // Cut the connection in the middle of the upload, before the registry sees any of it.
      req.once("data", () => req.socket.destroy());
      req.once("end", () => req.socket.destroy());
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: upstreamPort, method, path: url, headers: req.headers },
      (up) => {
        entry.status = up.statusCode;
        if (fault !== "tamper-response") {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          const body = Buffer.concat(chunks);
          if (body.length > 0) body[body.length - 1] ^= 0x01; // same size, different bytes
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(body);
        });
      },
    );
    upstream.on("error", () => res.destroy());
    if (fault === "drop-after-forwarding-half") {
      // The registry receives part of the chunk, then both connections die.
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        upstream.write(body.subarray(0, Math.floor(body.length / 2)));
        setTimeout(() => {
          upstream.destroy();
          req.socket.destroy();
        }, 20);
      });
      return;
    }
    if (fault === "hold-until-post") {
      let done = false;
      const release = (why: NonNullable<Seen["released"]>) => {
        if (done) return;
        done = true;
        entry.released = why;
        req.pipe(upstream);
      };
      held.push(() => release("by a POST"));
      setTimeout(() => release("by the time limit"), 1000);
      return;
    }
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${port}`,
    seen,
    plan(fn: typeof decide) {
      seen.length = 0;
      decide = fn;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

describe.skipIf(missingTools("docker-registry"))("faults between ocre and a real registry", () => {
  let registry: Registry;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let content: ImageContent;
  let report: ImageReport;
  let layoutDir: string;
  let app: string;
  let layerDigest: string;
  const fast = { retryDelayMs: 5, chunkSize: 1000 };

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.port);
    const spec = (await fixtureSpec({ dataBytes: 8000 })) as ContainerSpec;
    app = await tempDir("ocre-faults-app-");
    report = await packageImage(spec, fixtureConfig(spec, app) as ResolvedConfig, { sourceDateEpoch: "1700000000" });
    layoutDir = path.join(app, "build", report.layout);
    content = await readLayoutImage(layoutDir, (await readLayoutEntries(layoutDir))[0]!.descriptor);
    layerDigest = content.manifest.layers[0]!.digest;
  });
  afterAll(async () => {
    await proxy?.close();
    await registry?.stop();
  });

  /** Pulls straight from the registry (no proxy): what it really holds. */
  const direct = (repo: string) => fetchImage(parseReference(`${registry.host}/${repo}`));

  it("500, 429 and a dropped connection mid-upload: the push resumes the same upload session and completes", async () => {
    let patches = 0;
    proxy.plan((method) => {
      if (method !== "PATCH") return "forward";
      patches++;
      return patches === 2 ? "500" : patches === 4 ? "429" : patches === 6 ? "drop" : "forward";
    });
    const result = await pushImage(content, parseReference(`${proxy.host}/faults/resume:1.0.0`), fast);
    expect(result.digest).toBe(report.digest);
    expect(proxy.seen.filter((s) => s.fault !== "forward").map((s) => s.fault)).toEqual(["500", "429", "drop"]);
    // Resumed, not restarted: one upload session per blob, and status checks (GET on the session) after each fault.
    expect(proxy.seen.filter((s) => s.method === "POST")).toHaveLength(2);
    expect(
      proxy.seen.filter((s) => s.method === "GET" && s.path.includes("/blobs/uploads/")).length,
    ).toBeGreaterThanOrEqual(3);
    const stored = await direct("faults/resume:1.0.0");
    expect(stored.manifestDigest).toBe(report.digest);
    expect(
      Buffer.compare(
        Buffer.from(stored.blobs.get(layerDigest as never)!),
        Buffer.from(content.blobs.get(layerDigest as never)!),
      ),
    ).toBe(0);
  });

  it("a connection cut after the registry got half a chunk still ends in a complete, correct image", async () => {
    let patches = 0;
    proxy.plan((method) => (method === "PATCH" && ++patches === 3 ? "drop-after-forwarding-half" : "forward"));
    const result = await pushImage(content, parseReference(`${proxy.host}/faults/half:1.0.0`), fast);
    expect(result.digest).toBe(report.digest);
    expect(proxy.seen.some((s) => s.fault === "drop-after-forwarding-half")).toBe(true);
    const stored = await direct("faults/half:1.0.0");
    expect(stored.manifestDigest).toBe(report.digest);
  });

  it("faults on HEAD, monolithic PUT and the manifest PUT are retried", async () => {
    const seenOnce = new Set<string>();
    proxy.plan((method, url) => {
      const key = `${method} ${url.split("?")[0]}`;
      if (seenOnce.has(key) || !["HEAD", "PUT"].includes(method)) return "forward";
      seenOnce.add(key);
      return method === "HEAD" ? "drop" : url.includes("/manifests/") ? "500" : "429";
    });
    const result = await pushImage(content, parseReference(`${proxy.host}/faults/mono:1.0.0`), {
      retryDelayMs: 5,
      chunkSize: 1 << 20,
    });
    expect(result.digest).toBe(report.digest);
    expect(proxy.seen.filter((s) => s.fault !== "forward").length).toBeGreaterThanOrEqual(4);
    expect((await direct("faults/mono:1.0.0")).manifestDigest).toBe(report.digest);
  });

  it("each blob's check and its upload session go out together; a second push cancels the sessions it did not need", async () => {
    // The proxy holds every HEAD until a POST arrives: a push that waited for the HEAD's answer
    // before opening the upload session would have its HEADs released by the 1 s limit instead.
    proxy.plan((method) => (method === "HEAD" ? "hold-until-post" : "forward"));
    const first = await pushImage(content, parseReference(`${proxy.host}/faults/together:1.0.0`), fast);
    expect(first.blobs.map((b) => b.action)).toEqual(["uploaded", "uploaded"]);
    const heads = proxy.seen.filter((s) => s.method === "HEAD");
    expect(heads).toHaveLength(2);
    expect(heads.map((s) => s.released)).toEqual(["by a POST", "by a POST"]);
    expect(proxy.seen.filter((s) => s.method === "DELETE")).toEqual([]);

    proxy.plan(() => "forward");
    const again = await pushImage(content, parseReference(`${proxy.host}/faults/together:1.0.0`), fast);
    expect(again.blobs.map((b) => b.action)).toEqual(["exists", "exists"]);
    expect(again.uploadedBytes).toBe(0);
    // Every session opened is cancelled (and answered) before pushImage returns.
    const opened = proxy.seen.filter((s) => s.method === "POST" && s.status === 202);
    const cancelled = proxy.seen.filter((s) => s.method === "DELETE" && s.path.includes("/blobs/uploads/"));
    expect(opened).toHaveLength(2);
    expect(cancelled.map((s) => s.status)).toEqual([204, 204]);
    expect((await direct("faults/together:1.0.0")).manifestDigest).toBe(report.digest);
  });

  it("a registry that keeps failing gives a clean error and no tag", async () => {
    proxy.plan((method) => (method === "PATCH" ? "500" : "forward"));
    const run = await runOcre(["push", `${proxy.host}/faults/broken:1.0.0`, "--chunk-size", "1000"], { cwd: app });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_REGISTRY_UNAVAILABLE");
    expect(proxy.seen.some((s) => s.method === "PUT" && s.path.includes("/manifests/"))).toBe(false);
    await expect(direct("faults/broken:1.0.0")).rejects.toMatchObject({ code: "OCRE_REGISTRY_NOT_FOUND" });
  });

  it("a tampered blob on pull is refused and nothing is written to the store", async () => {
    proxy.plan(() => "forward");
    await pushImage(content, parseReference(`${registry.host}/faults/pull:1.0.0`), fast);
    const store = await tempDir("ocre-faults-store-");
    proxy.plan((method, url) =>
      method === "GET" && url.includes(`/blobs/${layerDigest}`) ? "tamper-response" : "forward",
    );
    const run = await runOcre(["pull", `${proxy.host}/faults/pull:1.0.0`], {
      cwd: store,
      env: { XDG_DATA_HOME: store },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_OCI_DIGEST_MISMATCH");
    expect(run.stderr).toContain(layerDigest);
    await expect(stat(path.join(store, "ocre"))).rejects.toThrow();
    // The same pull without the tampering works, so the refusal was about the bytes.
    proxy.plan(() => "forward");
    const ok = await runOcre(["pull", `${proxy.host}/faults/pull:1.0.0`], {
      cwd: store,
      env: { XDG_DATA_HOME: store },
    });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect((await readdir(path.join(store, "ocre", "oci", "blobs", "sha256"))).length).toBe(3);
  });

  it("a tampered manifest on pull by digest is refused", async () => {
    proxy.plan((method, url) => (method === "GET" && url.includes("/manifests/") ? "tamper-response" : "forward"));
    await expect(fetchImage(parseReference(`${proxy.host}/faults/pull@${report.digest}`), fast)).rejects.toMatchObject({
      code: "OCRE_OCI_DIGEST_MISMATCH",
    });
  });
});
