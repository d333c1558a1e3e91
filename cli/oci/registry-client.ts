import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { OcreError } from "../errors.js";
import { findCredentials, type CredentialOptions, type Credentials } from "./credentials.js";
import type { OciLogger } from "./package.js";
import { apiHost, isLoopbackHost } from "./reference.js";

/** How to reach a registry: TLS, credentials, retries. */
export interface RegistryOptions {
  /** PEM file of a CA to trust in addition to the system's (a company or test registry). */
  readonly caFile?: string | undefined;
  /** Allow plain http and skip TLS verification for this registry (anything but loopback needs this for http). */
  readonly insecure?: boolean | undefined;
  readonly credentials?: CredentialOptions;
  readonly logger?: OciLogger | undefined;
  /** Retries after a connection reset, 429 or 5xx (default 5). */
  readonly retries?: number;
  /** First back-off delay; doubles on each retry (default 200 ms). */
  readonly retryDelayMs?: number;
}

export interface RegistryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array;
  /** Token scopes the request needs, e.g. "repository:org/app:pull,push". */
  readonly scopes: readonly string[];
  /**
   * Whether this client may resend the request after a reset, 429 or 5xx. Upload steps say no:
   * they resume from the registry's upload state instead (see push.ts).
   */
  readonly retry?: boolean;
}

interface Challenge {
  readonly scheme: "basic" | "bearer";
  readonly params: Readonly<Record<string, string>>;
}

/** Retryable transport failure (the caller may resume or retry at a higher level). */
export class TransientRegistryError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = "TransientRegistryError";
  }
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return "";
}

function errorMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    parts.push(current.message);
    current = (current as Error & { cause?: unknown }).cause;
  }
  return parts.filter((p) => p !== "fetch failed").join(": ") || "connection failed";
}

function isCertificateError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/.test(code);
}

/** Failures that do not go away by trying again: nobody listening, no such host, TLS trust. */
function isPermanentNetworkError(code: string): boolean {
  // ERR_SSL_*/EPROTO: the peer does not speak TLS (a plain-http registry probed with https).
  return (
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "EAI_AGAIN" ||
    code === "EPROTO" ||
    code.startsWith("ERR_SSL_") ||
    isCertificateError(code)
  );
}

function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(Basic|Bearer)\b(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const m of (match[2] ?? "").matchAll(/([A-Za-z_]+)\s*=\s*"([^"]*)"/g))
    params[(m[1] as string).toLowerCase()] = m[2] as string;
  return { scheme: (match[1] as string).toLowerCase() as "basic" | "bearer", params };
}

function retryAfter(headers: Headers): number | undefined {
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? Math.min(seconds * 1000, 30_000) : undefined;
}

/** The registry's own error text ({"errors":[{"code","message"}]}), when it sent one. */
export function registryErrorText(body: Uint8Array): string {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { errors?: { code?: string; message?: string }[] };
    const errors = parsed.errors ?? [];
    return errors.map((e) => [e.code, e.message].filter(Boolean).join(": ")).join("; ");
  } catch {
    return "";
  }
}

/**
 * One registry's HTTP API, on undici's fetch: picks https (or http for loopback and --insecure),
 * authenticates (anonymous, basic, bearer token flow) and retries resets, 429 and 5xx with
 * exponential back-off. Credentials and tokens only ever go into request headers: nothing here
 * logs a header.
 */
export class RegistryClient {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, string>();
  /** Token requests in flight, so parallel requests that all got a 401 share one. */
  private readonly pendingTokens = new Map<string, Promise<void>>();

  private constructor(
    readonly registry: string,
    readonly baseUrl: string,
    private readonly transport: Transport,
    private readonly credentials: Credentials | undefined,
    private readonly options: RegistryOptions,
  ) {}

  /** Connects (probes `/v2/`) and returns a client for `registry` ("host[:port]"). */
  static async connect(registry: string, options: RegistryOptions = {}): Promise<RegistryClient> {
    const ca =
      options.caFile === undefined
        ? undefined
        : await readFile(options.caFile, "utf8").catch((error: NodeJS.ErrnoException) => {
            throw new OcreError(
              "OCRE_CA_FILE_UNREADABLE",
              `cannot read --ca-file ${options.caFile}: ${error.code ?? error.message}`,
              { hint: "give the path of a PEM file holding the CA certificate" },
            );
          });
    const transport = await makeTransport(
      ca === undefined ? undefined : [...(await systemCas()), ca],
      options.insecure === true,
    );
    const credentials = await findCredentials(registry, options.credentials ?? {});
    if (credentials) options.logger?.debug(`registry ${registry}: credentials from ${credentials.source}`);
    const host = apiHost(registry);
    const allowHttp = options.insecure === true || isLoopbackHost(registry);
    let lastError: unknown;
    // A loopback registry without --ca-file is most often plain http (a test or a local cache):
    // one quick http probe first spares the failed TLS attempt (~25 ms: Node loads its TLS stack
    // for it). Only a registry's answer to /v2/ (200, 401) settles it; anything else (a TLS
    // server's 400 to plain http, a reset) goes on to the usual order: https, then http with retries.
    const attempts: { scheme: string; retry: boolean }[] = [
      ...(isLoopbackHost(registry) && options.caFile === undefined ? [{ scheme: "http", retry: false }] : []),
      { scheme: "https", retry: true },
      ...(allowHttp ? [{ scheme: "http", retry: true }] : []),
    ];
    for (const { scheme, retry } of attempts) {
      const client = new RegistryClient(registry, `${scheme}://${host}`, transport, credentials, options);
      try {
        const probe = await client.send("GET", "/v2/", {}, undefined, retry);
        if (!retry && probe.status !== 200 && probe.status !== 401) continue;
        client.challenge = parseChallenge(probe.headers.get("www-authenticate"));
        options.logger?.debug(
          `registry ${registry}: ${scheme}, ${client.challenge ? `${client.challenge.scheme} auth` : "anonymous"}`,
        );
        return client;
      } catch (error) {
        lastError = error;
        const code = errorCode(error);
        if (isCertificateError(code)) {
          await transport.close?.();
          throw new OcreError(
            "OCRE_REGISTRY_TLS",
            `cannot verify the TLS certificate of ${registry}: ${errorMessage(error)}`,
            {
              hint: "pass the registry's CA with --ca-file <ca.pem> (or --insecure to skip verification, not recommended)",
            },
          );
        }
        if (error instanceof OcreError) throw error;
      }
    }
    await transport.close?.();
    throw new OcreError("OCRE_REGISTRY_UNREACHABLE", `cannot reach registry ${registry}: ${errorMessage(lastError)}`, {
      hint: allowHttp
        ? "check that the registry is running and the host and port are right"
        : "check the host name and port; plain http is only used for loopback registries or with --insecure",
    });
  }

  async close(): Promise<void> {
    await this.transport.close?.();
  }

  /** Absolute URL for an API path or a Location header (which may be relative). */
  url(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.baseUrl).toString();
  }

  private delay(attempt: number, hinted: number | undefined): number {
    return hinted ?? (this.options.retryDelayMs ?? 200) * 2 ** attempt;
  }

  /** One HTTP exchange with retries; the body is read completely so a reset mid-body is retried too. */
  private async send(
    method: string,
    pathOrUrl: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    retry: boolean,
  ): Promise<RegistryResponse> {
    const url = this.url(pathOrUrl);
    const retries = retry ? (this.options.retries ?? 5) : 0;
    for (let attempt = 0; ; attempt++) {
      let response: RegistryResponse;
      try {
        const res = await this.transport.fetch(url, { method, headers, body, redirect: "follow" });
        response = {
          status: res.status,
          headers: res.headers,
          body: new Uint8Array(await res.arrayBuffer()),
          url: res.url || url,
        };
      } catch (error) {
        const code = errorCode(error);
        if (isPermanentNetworkError(code)) throw error;
        if (attempt >= retries)
          throw new TransientRegistryError(
            `${method} ${this.redact(url)}: ${errorMessage(error)}`,
            undefined,
            undefined,
          );
        const wait = this.delay(attempt, undefined);
        this.options.logger?.debug(
          `${method} ${this.redact(url)} failed (${code || errorMessage(error)}); retrying in ${wait} ms`,
        );
        await sleep(wait);
        continue;
      }
      this.options.logger?.debug(`${method} ${this.redact(url)} → ${response.status}`);
      if (response.status === 429 || response.status >= 500) {
        const hinted = retryAfter(response.headers);
        if (attempt >= retries)
          throw new TransientRegistryError(
            `${method} ${this.redact(url)} answered ${response.status} ${registryErrorText(response.body)}`.trim(),
            response.status,
            hinted,
          );
        const wait = this.delay(attempt, hinted);
        this.options.logger?.debug(`retrying in ${wait} ms`);
        await sleep(wait);
        continue;
      }
      return response;
    }
  }

  /** URLs carry no secrets of ours, but a Location header could embed user info: drop it. */
  private redact(url: string): string {
    try {
      const u = new URL(url);
      u.username = "";
      u.password = "";
      return u.toString();
    } catch {
      return "<url>";
    }
  }

  private authorization(scopes: readonly string[]): string | undefined {
    if (this.challenge?.scheme === "bearer")
      return this.tokens.has(scopes.join(" ")) ? `Bearer ${this.tokens.get(scopes.join(" "))}` : undefined;
    if (this.challenge?.scheme === "basic" && this.credentials) {
      return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}`;
    }
    return undefined;
  }

  private authError(status: number, detail: string): OcreError {
    if (this.credentials) {
      return new OcreError(
        "OCRE_REGISTRY_UNAUTHORIZED",
        `registry ${this.registry} rejected the credentials of user "${this.credentials.username}" (from ${this.credentials.source}): ${status} ${detail}`.trim(),
        {
          hint: "check the username and password (or token); ocre reads --username/--password-stdin, then OCRE_REGISTRY_USERNAME/OCRE_REGISTRY_PASSWORD, then ~/.docker/config.json",
        },
      );
    }
    return new OcreError(
      "OCRE_REGISTRY_UNAUTHORIZED",
      `registry ${this.registry} requires authentication: ${status} ${detail}`.trim(),
      {
        hint: "log in with --username <user> --password-stdin, or set OCRE_REGISTRY_USERNAME and OCRE_REGISTRY_PASSWORD, or add the registry to ~/.docker/config.json",
      },
    );
  }

  /** The bearer-token flow: ask the realm for a token covering `scopes`, with basic credentials when we have them. */
  private async fetchToken(challenge: Challenge, scopes: readonly string[]): Promise<void> {
    const realm = challenge.params.realm;
    if (!realm)
      throw new OcreError("OCRE_REGISTRY_AUTH", `registry ${this.registry} asked for a bearer token without a realm`, {
        hint: "the registry's auth configuration is broken; tell its operator",
      });
    const url = new URL(realm);
    if (url.protocol === "http:" && this.options.insecure !== true && !isLoopbackHost(url.host)) {
      throw new OcreError(
        "OCRE_REGISTRY_AUTH",
        `registry ${this.registry} sends logins to a plain-http token service (${url.origin})`,
        { hint: "refusing to send credentials in clear text; use --insecure only if you trust the network" },
      );
    }
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    const wanted = new Set(scopes);
    if (challenge.params.scope) for (const s of challenge.params.scope.split(" ")) wanted.add(s);
    for (const scope of wanted) url.searchParams.append("scope", scope);
    const headers: Record<string, string> = {};
    if (this.credentials)
      headers.authorization = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}`;
    const res = await this.send("GET", url.toString(), headers, undefined, true);
    if (res.status === 401 || res.status === 403) throw this.authError(res.status, "from the token service");
    if (res.status !== 200)
      throw new OcreError("OCRE_REGISTRY_AUTH", `the token service of ${this.registry} answered ${res.status}`, {
        hint: "retry later; if it persists, tell the registry's operator",
      });
    let token: string | undefined;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(res.body)) as { token?: string; access_token?: string };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (!token)
      throw new OcreError("OCRE_REGISTRY_AUTH", `the token service of ${this.registry} sent no token`, {
        hint: "tell the registry's operator",
      });
    this.tokens.set(scopes.join(" "), token);
  }

  private async sharedTokenFetch(
    challenge: Challenge,
    scopes: readonly string[],
    sent: string | undefined,
  ): Promise<void> {
    const key = scopes.join(" ");
    // Another request already replaced the token we were refused with: use that one.
    const current = this.tokens.get(key);
    if (current !== undefined && `Bearer ${current}` !== sent) return;
    let pending = this.pendingTokens.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, scopes).finally(() => this.pendingTokens.delete(key));
      this.pendingTokens.set(key, pending);
    }
    await pending;
  }

  /**
   * An authenticated request. A 401 starts (or refreshes) authentication once; a second 401 is
   * the user's credentials being wrong or missing, reported as such.
   */
  async request(method: string, pathOrUrl: string, options: RequestOptions): Promise<RegistryResponse> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...options.headers };
      const auth = this.authorization(options.scopes);
      if (auth) headers.authorization = auth;
      const res = await this.send(method, pathOrUrl, headers, options.body, options.retry !== false);
      if (res.status !== 401) return res;
      const challenge = parseChallenge(res.headers.get("www-authenticate")) ?? this.challenge;
      const canAnswer =
        attempt === 0 &&
        challenge !== undefined &&
        (challenge.scheme === "bearer" || (this.credentials !== undefined && auth === undefined));
      if (!canAnswer) throw this.authError(res.status, registryErrorText(res.body));
      this.challenge = challenge;
      if (challenge.scheme === "bearer") await this.sharedTokenFetch(challenge, options.scopes, auth);
    }
  }
}

/** The HTTP layer: Node's built-in fetch, or undici's fetch with its own TLS settings. */
interface Transport {
  fetch(
    url: string,
    init: { method: string; headers: Record<string, string>; body: Uint8Array | undefined; redirect: "follow" },
  ): Promise<Response>;
  close?(): Promise<void>;
}

/**
 * Node's global fetch needs no extra module, which keeps `ocre push` quick to start; undici is
 * loaded only when TLS needs settings the default agent lacks (--ca-file, --insecure).
 */
async function makeTransport(ca: string[] | undefined, insecure: boolean): Promise<Transport> {
  if (ca === undefined && !insecure) return { fetch: (url, init) => fetch(url, init) };
  const undici = await import("undici");
  const agent = new undici.Agent({
    connect: { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: !insecure },
    connections: 16,
  });
  return {
    fetch: async (url, init) => (await undici.fetch(url, { ...init, dispatcher: agent })) as unknown as Response,
    close: () => agent.close(),
  };
}

let systemCaCache: string[] | undefined;
/** Node's bundled CA list: a custom `ca` replaces it, and --ca-file should add to it, not replace it. */
async function systemCas(): Promise<string[]> {
  const tls = await import("node:tls");
  systemCaCache ??= [...tls.rootCertificates];
  return systemCaCache;
}
