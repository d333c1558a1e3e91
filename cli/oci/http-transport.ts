import http from "node:http";
import type https from "node:https";
import { createRequire } from "node:module";

// node:https (and the TLS stack under it) loads on the first https request: a push to a
// loopback registry over http, the common case in tests and CI caches, never pays for it.
const require = createRequire(import.meta.url);
let httpsModule: typeof https | undefined;
const loadHttps = (): typeof https => (httpsModule ??= require("node:https") as typeof https);

/**
 * The HTTP layer under the registry client, on node:http/https. Not fetch: a registry client
 * needs what fetch hides or lacks (no automatic redirects, so credentials never follow one;
 * a connect timeout and an idle timeout per request; response bodies read as streams with a
 * cap), and node:http loads in a fraction of the time fetch or the undici package take, which
 * a short `ocre push` notices.
 */
export interface TransportOptions {
  /** CAs to trust (the system's plus --ca-file), or undefined for Node's default list. */
  readonly ca: readonly string[] | undefined;
  /** Skip TLS verification (--insecure). */
  readonly insecure: boolean;
  /** Time allowed to open the TCP connection (and finish the TLS handshake). */
  readonly connectTimeoutMs: number;
  /** Time allowed without a byte moving either way once connected. */
  readonly idleTimeoutMs: number;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  /** Aborts the request (the operation's total timeout). */
  readonly signal?: AbortSignal | undefined;
}

/** A response whose body has not been read yet: the caller reads it (bounded) or discards it. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: http.IncomingMessage;
}

/** The header lookup the registry code needs (fetch's Headers.get, without loading fetch). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** A connect or idle timeout; `code` is what --verbose and error messages show. */
export class TimeoutError extends Error {
  readonly code: "ETIMEDOUT";
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
    this.code = "ETIMEDOUT";
  }
}

function headersOf(message: http.IncomingMessage): ResponseHeaders {
  return {
    get: (name) => {
      const value = message.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private httpsAgent: https.Agent | undefined;

  constructor(private readonly options: TransportOptions) {
    // Keep-alive pools: a push is a dozen requests to one host; 16 sockets cover the parallel blob uploads.
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  private secureAgent(): https.Agent {
    this.httpsAgent ??= new (loadHttps().Agent)({
      keepAlive: true,
      maxSockets: 16,
      ...(this.options.ca === undefined ? {} : { ca: [...this.options.ca] }),
      rejectUnauthorized: !this.options.insecure,
    });
    return this.httpsAgent;
  }

  /** Sends one request; resolves when the response head has arrived. Never follows a redirect. */
  request(req: HttpRequest): Promise<HttpResponse> {
    const { connectTimeoutMs, idleTimeoutMs } = this.options;
    const secure = req.url.protocol === "https:";
    return new Promise<HttpResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers["content-length"] = String(req.body.byteLength);
      const outgoing = (secure ? loadHttps() : http).request(req.url, {
        method: req.method,
        headers,
        agent: secure ? this.secureAgent() : this.httpAgent,
        timeout: idleTimeoutMs,
        ...(req.signal === undefined ? {} : { signal: req.signal }),
      });
      let response: http.IncomingMessage | undefined;
      let connectTimer: NodeJS.Timeout | undefined;
      const fail = (error: Error) => {
        outgoing.destroy(error);
        // After the head arrived, the reader of the body sees the error on the body stream.
        response?.destroy(error);
      };
      outgoing.on("socket", (socket) => {
        // A reused keep-alive socket is already connected; only a new one gets the connect limit.
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () => fail(new TimeoutError(`no connection within ${connectTimeoutMs} ms (connect timeout)`)),
          connectTimeoutMs,
        );
        socket.once(secure ? "secureConnect" : "connect", () => clearTimeout(connectTimer));
      });
      // The socket's idle timer: no byte sent or received for idleTimeoutMs, head or body.
      outgoing.on("timeout", () => fail(new TimeoutError(`nothing received for ${idleTimeoutMs} ms (idle timeout)`)));
      outgoing.on("error", (error) => {
        clearTimeout(connectTimer);
        reject(error);
      });
      outgoing.on("response", (res) => {
        clearTimeout(connectTimer);
        response = res;
        resolve({ status: res.statusCode ?? 0, headers: headersOf(res), body: res });
      });
      outgoing.end(
        req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
      );
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
  }
}

/**
 * Reads a whole body, refusing one longer than `limit` bytes: a declared Content-Length over the
 * limit is refused before a byte is read, and the stream is cut as soon as the count passes it.
 * `tooLarge` builds the error (the caller knows which document it was).
 */
export async function readBounded(
  body: http.IncomingMessage,
  limit: number,
  tooLarge: (size: number | undefined) => Error,
): Promise<Uint8Array> {
  const declared = Number(body.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    body.destroy();
    throw tooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) {
      body.destroy();
      throw tooLarge(undefined);
    }
    chunks.push(chunk);
  }
  const joined = Buffer.concat(chunks, total);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}

/**
 * Reads at most `limit` bytes of a body we only want a glimpse of (an error message) and drops
 * the rest, closing the connection rather than reading a huge body to its end.
 */
export async function readSome(body: http.IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total >= limit) {
      body.destroy();
      break;
    }
  }
  const joined = Buffer.concat(chunks).subarray(0, limit);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}
