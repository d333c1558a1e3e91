// A scripted fake OCI registry on loopback for the hostile-registry tests (test/registry-hostile.test.ts)
// and the pull memory bench. It speaks enough of the distribution API for ocre's push and pull
// (blobs, chunked and monolithic uploads, manifests, basic auth) and lets a test script what a
// hostile or broken registry does to any request: answer never or slowly, send huge or garbage
// bodies, drop the connection before or during the answer, redirect, hand uploads to another
// host, or shut down mid-transfer. Every request is logged with the listener that received it
// and the Authorization header it carried, so a test can prove where credentials went.
//
// Listeners: `main` on 127.0.0.1 (http, or https with a test CA), `other` on 127.0.0.2 (another
// host as far as any client can tell) and `plain` on 127.0.0.1 over http (the downgrade target
// of an https registry). All three share one storage.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { freePort } from "./registry-server.mjs";

function sha256(bytes) {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A body of `size` bytes made on demand (a bomb must not cost the test's own memory). */
export function lazyBody(size, byte = 0x41) {
  const chunk = Buffer.alloc(64 * 1024, byte);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const n = Math.min(chunk.length, size - sent);
      sent += n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

/**
 * Starts the fake registry. `auth` = { username, password } requires basic auth on `main`, or,
 * with `bearer: "other" | "plain"`, a token from a realm on that listener (which checks the
 * basic credentials and issues TOKEN); `tls` = { certFile, keyFile } serves `main` over https.
 */
export const TOKEN = "hostile-registry-token";

export async function startHostileRegistry({ auth, tls, bearer } = {}) {
  /** Blobs by "<repository>@<digest>": each repository has its own, as on a real registry. */
  const blobs = new Map();
  const manifests = new Map();
  const uploads = new Map();
  const requests = [];
  const sockets = new Set();
  const state = {
    /** (ctx) => action | undefined; see `act` below. */
    fault: undefined,
    /** Where upload Locations point: "main" (relative), "other" or "plain". */
    uploadTo: "main",
    /** Whether `other` demands credentials of its own. */
    otherAuth: false,
  };
  const expected = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` : undefined;
  const bases = {};

  function uploadLocation(name, id) {
    const rel = `/v2/${name}/blobs/uploads/${id}`;
    return state.uploadTo === "main" ? rel : `${bases[state.uploadTo]}${rel}`;
  }

  function send(res, status, headers = {}, body) {
    res.writeHead(status, headers);
    res.end(body);
  }

  function registryError(res, status, code) {
    send(res, status, { "content-type": "application/json" }, JSON.stringify({ errors: [{ code, message: code }] }));
  }

  /** The honest registry. */
  function serve(req, res, body, listener) {
    const url = new URL(req.url, "http://x");
    const p = url.pathname;
    if (bearer && listener === bearer && p === "/token") {
      if (req.headers.authorization !== expected) return send(res, 401, {}, "{}");
      return send(res, 200, { "content-type": "application/json" }, JSON.stringify({ token: TOKEN }));
    }
    if (listener === "main" && bearer && req.headers.authorization !== `Bearer ${TOKEN}`) {
      const challenge = `Bearer realm="${bases[bearer]}/token",service="hostile"`;
      return send(res, 401, { "www-authenticate": challenge, "content-type": "application/json" }, "{}");
    }
    if (listener === "main" && !bearer && expected && req.headers.authorization !== expected) {
      return send(res, 401, { "www-authenticate": 'Basic realm="hostile"', "content-type": "application/json" }, "{}");
    }
    if (listener === "other" && state.otherAuth) {
      return send(res, 401, { "www-authenticate": 'Basic realm="other"' }, "{}");
    }
    if (p === "/v2/" || p === "/v2") return send(res, 200, { "content-type": "application/json" }, "{}");
    let m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(p);
    if (m) {
      const [, name, id] = m;
      if (req.method === "POST") {
        const newId = randomBytes(8).toString("hex");
        uploads.set(newId, []);
        return send(res, 202, { location: uploadLocation(name, newId), range: "0-0", "content-length": "0" });
      }
      const parts = uploads.get(id);
      if (!parts) return registryError(res, 404, "BLOB_UPLOAD_UNKNOWN");
      const have = parts.reduce((n, b) => n + b.length, 0);
      if (req.method === "GET")
        return send(res, 204, { location: uploadLocation(name, id), range: `0-${Math.max(0, have - 1)}` });
      if (req.method === "PATCH") {
        parts.push(body);
        return send(res, 202, {
          location: uploadLocation(name, id),
          range: `0-${have + body.length - 1}`,
          "content-length": "0",
        });
      }
      if (req.method === "PUT") {
        parts.push(body);
        const all = Buffer.concat(parts);
        const digest = url.searchParams.get("digest");
        if (sha256(all) !== digest) return registryError(res, 400, "DIGEST_INVALID");
        blobs.set(`${name}@${digest}`, all);
        uploads.delete(id);
        return send(res, 201, { location: `/v2/${name}/blobs/${digest}`, "docker-content-digest": digest });
      }
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(p);
    if (m) {
      const blob = blobs.get(`${m[1]}@${m[2]}`);
      if (!blob) return registryError(res, 404, "BLOB_UNKNOWN");
      const headers = { "content-length": String(blob.length), "docker-content-digest": m[2] };
      return req.method === "HEAD" ? send(res, 200, headers) : send(res, 200, headers, blob);
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p);
    if (m) {
      const key = `${m[1]}:${m[2]}`;
      if (req.method === "PUT") {
        const entry = { bytes: body, type: req.headers["content-type"] };
        manifests.set(key, entry);
        manifests.set(`${m[1]}:${sha256(body)}`, entry);
        return send(res, 201, { "docker-content-digest": sha256(body) });
      }
      const entry = manifests.get(key);
      if (!entry) return registryError(res, 404, "MANIFEST_UNKNOWN");
      const headers = {
        "content-type": entry.type,
        "content-length": String(entry.bytes.length),
        "docker-content-digest": sha256(entry.bytes),
      };
      return req.method === "HEAD" ? send(res, 200, headers) : send(res, 200, headers, entry.bytes);
    }
    registryError(res, 404, "NAME_UNKNOWN");
  }

  /**
   * What the test scripted for this request:
   *   { hang: true }              accept, never answer
   *   { drop: true }              close the connection without an answer
   *   { dropMidBody: true }       answer honestly, but cut the connection half-way through the body
   *   { trickle: ms }             answer honestly, one byte every `ms` (never idle, never done)
   *   { status, headers, body }   this answer instead (body: Buffer, string or Readable)
   *   { close: true }             shut every listener down (connection refused from now on)
   */
  function act(action, req, res, body, listener) {
    if (action.hang) return;
    if (action.drop) return req.socket.destroy();
    if (action.close) {
      for (const server of servers) server.close();
      for (const socket of sockets) socket.destroy();
      return;
    }
    if (action.dropMidBody || action.trickle) {
      // Capture the honest answer, then deliver it badly.
      const captured = { status: 200, headers: {}, chunks: [] };
      const fake = {
        writeHead(status, headers) {
          captured.status = status;
          captured.headers = headers ?? {};
        },
        end(data) {
          if (data) captured.chunks.push(Buffer.from(data));
          const full = Buffer.concat(captured.chunks);
          res.writeHead(captured.status, { ...captured.headers, "content-length": String(full.length) });
          if (action.dropMidBody) {
            res.write(full.subarray(0, Math.floor(full.length / 2)), () => setTimeout(() => req.socket.destroy(), 20));
            return;
          }
          let i = 0;
          const timer = setInterval(() => {
            if (res.destroyed || i >= full.length) return clearInterval(timer);
            res.write(full.subarray(i, i + 1));
            i++;
          }, action.trickle);
          res.on("close", () => clearInterval(timer));
        },
      };
      return serve(req, fake, body, listener);
    }
    res.writeHead(action.status ?? 200, action.headers ?? {});
    if (action.body instanceof Readable) {
      action.body.on("error", () => undefined);
      res.on("close", () => action.body.destroy());
      return action.body.pipe(res);
    }
    res.end(action.body);
  }

  const servers = [];
  async function listen(listener, host, secure) {
    const handler = (req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("error", () => undefined);
      res.on("error", () => undefined);
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const entry = {
          listener,
          method: req.method,
          path: new URL(req.url, "http://x").pathname,
          authorization: req.headers.authorization,
        };
        requests.push(entry);
        const action = state.fault?.({ ...entry, query: new URL(req.url, "http://x").searchParams });
        if (action) return act(action, req, res, body, listener);
        serve(req, res, body, listener);
      });
    };
    const server = secure
      ? https.createServer({ cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) }, handler)
      : http.createServer(handler);
    server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    server.on("clientError", (_e, socket) => socket.destroy());
    const port = await freePort();
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, resolve);
    });
    servers.push(server);
    bases[listener] = `${secure ? "https" : "http"}://${host}:${port}`;
    return `${host}:${port}`;
  }

  const host = await listen("main", "127.0.0.1", Boolean(tls));
  const otherHost = await listen("other", "127.0.0.2", false);
  const plainHost = await listen("plain", "127.0.0.1", false);

  return {
    host,
    otherHost,
    plainHost,
    requests,
    blobs,
    manifests,
    state,
    /** Stores an image (ImageContent) under `name:tag`, as if it had been pushed. */
    put(name, tag, content) {
      for (const [digest, bytes] of content.blobs) blobs.set(`${name}@${digest}`, Buffer.from(bytes));
      const entry = { bytes: Buffer.from(content.manifestBytes), type: content.manifest.mediaType };
      manifests.set(`${name}:${tag}`, entry);
      manifests.set(`${name}:${content.manifestDigest}`, entry);
    },
    /** Forgets the request log and any scripted behaviour. */
    reset() {
      requests.length = 0;
      state.fault = undefined;
      state.uploadTo = "main";
      state.otherAuth = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
    },
  };
}
