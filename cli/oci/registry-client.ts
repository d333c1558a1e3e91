import { setMaxListeners } from "node:events";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { OcreError } from "../errors.js";
import { findCredentials, type CredentialOptions, type Credentials } from "./credentials.js";
import {
  HttpTransport,
  readBounded,
  readSome,
  TimeoutError,
  type HttpResponse,
  type ResponseHeaders,
} from "./http-transport.js";
import type { OciLogger } from "./package.js";
import { apiHost, isLoopbackHost, type RemoteReference } from "./reference.js";

/** Defaults of the network limits (docs/push-pull.md lists them with their flags). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_RETRIES = 5;
/** Largest body read into memory by default (a manifest: the distribution registry's own limit). */
export const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
/** How much of an error response is read for its message; the rest is dropped unread. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** A token service's answer (a JWT with its certificate chain is a few KiB). */
const TOKEN_BODY_LIMIT = 1024 * 1024;
/** Redirects followed for one GET or HEAD (blob downloads go to a storage backend or CDN). */
const MAX_REDIRECTS = 5;
/**
 * Longest `<registry>/<repository>` accepted: the distribution spec notes that clients limit the
 * name with its host to 255 characters, and docker's reference parser does.
 */
export const MAX_NAME_LENGTH = 255;

/** How to reach a registry: TLS, credentials, retries, timeouts. */
export interface RegistryOptions {
  /** PEM file of a CA to trust in addition to the system's (a company or test registry). */
  readonly caFile?: string | undefined;
  /** Allow plain http and skip TLS verification for this registry (anything but loopback needs this for http). */
  readonly insecure?: boolean | undefined;
  readonly credentials?: CredentialOptions;
  readonly logger?: OciLogger | undefined;
  /** Retries after a connection reset, timeout, 429 or 5xx (default 5). */
  readonly retries?: number;
  /** First back-off delay; doubles on each retry (default 200 ms). */
  readonly retryDelayMs?: number;
  /** Time to open a connection (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Time without a byte moving before a request is given up (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Time for the whole operation, retries included, from connecting on (default 15 min; 0 = none). */
  readonly totalTimeoutMs?: number;
  /** Cancels the operation (connecting included), e.g. when the caller no longer needs it. */
  readonly signal?: AbortSignal | undefined;
}

export interface RegistryResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Uint8Array;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

/** A response whose body the caller reads as a stream (a blob download). */
export interface StreamedResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly url: string;
  readonly body: HttpResponse["body"];
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
  /** What the request is for, as error messages name it ("fetching the manifest of …"). */
  readonly operation?: string;
  /**
   * Largest successful body accepted (default 4 MiB); a longer one is refused unread with the
   * error `tooLarge` builds. Error bodies are read only as far as their message needs.
   */
  readonly maxBody?: number;
  readonly tooLarge?: (size: number | undefined) => OcreError;
}

interface Challenge {
  readonly scheme: "basic" | "bearer";
  readonly params: Readonly<Record<string, string>>;
}

/** A credential header and the one origin it may be sent to. */
interface ScopedAuth {
  readonly header: string;
  readonly origin: string;
}

/** Retryable transport failure (the caller may resume or retry at a higher level). */
export class TransientRegistryError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    /** Nothing came back in time: the peer is there but silent. */
    readonly timedOut = false,
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
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(
      typeof code === "string" && !current.message.includes(code) ? `${current.message} (${code})` : current.message,
    );
    current = (current as Error & { cause?: unknown }).cause;
  }
  return parts.join(": ") || "connection failed";
}

function isCertificateError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/.test(code);
}

/** Failures that trying again does not cure while connecting: nobody listening, no such host, TLS trust. */
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

function retryAfter(headers: ResponseHeaders): number | undefined {
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, 30_000) : undefined;
}

/**
 * The registry's own error text ({"errors":[{"code","message"}]}), when it sent one: at most five
 * entries and 500 characters, on one line (a registry cannot add lines to ocre's error output;
 * the reporter escapes any other control character).
 */
export function registryErrorText(body: Uint8Array): string {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as unknown;
    const errors = (parsed as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return "";
    return errors
      .slice(0, 5)
      .map((e: unknown) => {
        const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
        return [code, message].filter((p): p is string => typeof p === "string").join(": ");
      })
      .join("; ")
      .replace(/\s+/g, " ")
      .slice(0, 500);
  } catch {
    return "";
  }
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

function originOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A refused reference: `<registry>/<repository>` longer than registries and docker accept. */
export function checkNameLength(target: RemoteReference): void {
  const name = `${target.registry}/${target.repository}`;
  if (name.length > MAX_NAME_LENGTH) {
    throw new OcreError(
      "OCRE_REFERENCE_INVALID",
      `the repository name "${name.slice(0, 60)}…" is ${name.length} characters; registries accept at most ${MAX_NAME_LENGTH} (host and repository together)`,
      { hint: "use a shorter repository name" },
    );
  }
}

/**
 * One registry's HTTP API: picks https (or http for loopback and --insecure), authenticates
 * (anonymous, basic, bearer token flow), bounds time (connect, idle, total) and size (every body),
 * and retries resets, timeouts, 429 and 5xx with exponential back-off.
 *
 * Credentials are scoped the way docker and containerd scope them: basic credentials and tokens
 * go only to the registry's own origin (scheme, host and port), and basic credentials also to the
 * token realm that origin's challenge names. A redirect or an upload Location pointing elsewhere
 * is followed without them, and never from https down to http. Nothing here logs a header.
 */
export class RegistryClient {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, string>();
  /** Token requests in flight, so parallel requests that all got a 401 share one. */
  private readonly pendingTokens = new Map<string, Promise<void>>();
  /** Once /v2/ has answered, a refused connection is an outage worth retrying, not a wrong address. */
  private connected = false;
  /** Origins already told about in --verbose, so each is said once. */
  private readonly noted = new Set<string>();
  readonly origin: string;

  private constructor(
    readonly registry: string,
    readonly baseUrl: string,
    private readonly transport: HttpTransport,
    private readonly credentials: Credentials | undefined,
    private readonly ignoredEnvironment: string | undefined,
    private readonly options: RegistryOptions,
    private readonly deadline: AbortSignal | undefined,
  ) {
    this.origin = originOf(new URL(baseUrl));
  }

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
    const transport = new HttpTransport({
      ca: ca === undefined ? undefined : [...(await systemCas()), ca],
      insecure: options.insecure === true,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    });
    const { credentials, ignoredEnvironment } = await findCredentials(registry, options.credentials ?? {});
    const log = options.logger;
    if (ignoredEnvironment) log?.debug(`registry ${registry}: ${ignoredEnvironment}; not using it`);
    log?.debug(
      credentials
        ? `registry ${registry}: credentials of user "${credentials.username}" from ${credentials.source}, for ${registry} only`
        : `registry ${registry}: no credentials (anonymous)`,
    );
    const total = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
    const timeout = total > 0 ? AbortSignal.timeout(total) : undefined;
    const deadline =
      options.signal === undefined ? timeout : timeout ? AbortSignal.any([timeout, options.signal]) : options.signal;
    // Every request and back-off listens on it; a pushed fleet has dozens in flight at once.
    if (deadline) setMaxListeners(1024, deadline);
    const host = apiHost(registry);
    const allowHttp = options.insecure === true || isLoopbackHost(registry);
    let lastError: unknown;
    // A loopback registry without --ca-file is most often plain http (a test or a local cache):
    // one quick http probe first spares the failed TLS attempt. Only a registry's answer to /v2/
    // (200, 401) settles it; anything else (a TLS server's 400 to plain http, a reset) goes on to
    // the usual order: https, then http with retries.
    const attempts: { scheme: string; retry: boolean }[] = [
      ...(isLoopbackHost(registry) && options.caFile === undefined ? [{ scheme: "http", retry: false }] : []),
      { scheme: "https", retry: true },
      ...(allowHttp ? [{ scheme: "http", retry: true }] : []),
    ];
    for (const { scheme, retry } of attempts) {
      const client = new RegistryClient(
        registry,
        `${scheme}://${host}`,
        transport,
        credentials,
        ignoredEnvironment,
        options,
        deadline,
      );
      try {
        const probe = await client.send("GET", client.url("/v2/"), undefined, undefined, {
          retry,
          operation: "connecting",
        });
        if (!retry && probe.status !== 200 && probe.status !== 401) continue;
        client.challenge = parseChallenge(probe.headers.get("www-authenticate"));
        client.connected = true;
        log?.debug(
          `registry ${registry}: ${scheme}, ${client.challenge ? `${client.challenge.scheme} auth` : "anonymous"}`,
        );
        return client;
      } catch (error) {
        lastError = error;
        if (isCertificateError(errorCode(error))) {
          transport.close();
          throw new OcreError(
            "OCRE_REGISTRY_TLS",
            `cannot verify the TLS certificate of ${registry}: ${errorMessage(error)}`,
            {
              hint: "pass the registry's CA with --ca-file <ca.pem> (or --insecure to skip verification, not recommended)",
            },
          );
        }
        if (error instanceof OcreError) {
          transport.close();
          throw error;
        }
        // Something accepted the connection and then said nothing: no other scheme will fare better.
        if (error instanceof TransientRegistryError && error.timedOut) {
          transport.close();
          throw client.unavailable("connecting", 1, error.message.replace(/^connecting: /, ""));
        }
      }
    }
    transport.close();
    throw new OcreError("OCRE_REGISTRY_UNREACHABLE", `cannot reach registry ${registry}: ${errorMessage(lastError)}`, {
      hint: allowHttp
        ? "check that the registry is running and the host and port are right"
        : "check the host name and port; plain http is only used for loopback registries or with --insecure",
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  /** Absolute URL for an API path or a Location header (which may be relative). */
  url(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.baseUrl).toString();
  }

  private delay(attempt: number, hinted: number | undefined): number {
    return hinted ?? (this.options.retryDelayMs ?? 200) * 2 ** attempt;
  }

  private unavailable(operation: string, attempts: number, cause: string): OcreError {
    return new OcreError(
      "OCRE_REGISTRY_UNAVAILABLE",
      `registry ${this.registry}: ${operation} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${cause}`,
      {
        hint: "the registry or the network is failing; nothing incomplete was stored or tagged. Retry later (--retries, --idle-timeout and --timeout set the limits)",
      },
    );
  }

  private timedOut(operation: string): OcreError {
    const total = this.options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
    return new OcreError(
      "OCRE_REGISTRY_UNAVAILABLE",
      `registry ${this.registry}: ${operation} did not finish within the ${total / 1000} s the whole operation may take`,
      { hint: "nothing incomplete was stored or tagged; raise --timeout for a slow network, or retry later" },
    );
  }

  /** Says once per origin, in --verbose, that credentials were withheld from it. */
  private noteWithheld(origin: string): void {
    if (this.noted.has(origin)) return;
    this.noted.add(origin);
    this.options.logger?.debug(`registry ${this.registry}: ${origin} is another host; no credentials are sent to it`);
  }

  /**
   * One request with its redirects: GET and HEAD follow up to 5 (a blob on a storage backend),
   * other methods none. The credential goes only to its own origin; a hop to another origin
   * goes without it, and no request ever goes from an https registry to plain http.
   */
  private async follow(
    method: string,
    start: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    auth: ScopedAuth | undefined,
  ): Promise<{ res: HttpResponse; url: URL }> {
    let url = new URL(start);
    for (let hop = 0; ; hop++) {
      this.refuseDowngrade(url, hop === 0 ? "a Location header" : "a redirect");
      const sent: Record<string, string> = { ...headers };
      if (auth !== undefined) {
        if (originOf(url) === auth.origin) sent.authorization = auth.header;
        else this.noteWithheld(originOf(url));
      }
      const res = await this.transport.request({ method, url, headers: sent, body, signal: this.deadline });
      const location = res.headers.get("location");
      if (!REDIRECTS.has(res.status) || location === null || (method !== "GET" && method !== "HEAD"))
        return { res, url };
      await readSome(res.body, ERROR_BODY_LIMIT).catch(() => undefined);
      if (hop >= MAX_REDIRECTS)
        throw new OcreError(
          "OCRE_REGISTRY_PROTOCOL",
          `registry ${this.registry}: more than ${MAX_REDIRECTS} redirects`,
          {
            hint: "the registry or a proxy in front of it redirects in a loop; tell its operator",
          },
        );
      const next = new URL(location, url);
      this.options.logger?.debug(`${method} ${redact(url)} → ${res.status}, redirected to ${redact(next)}`);
      url = next;
    }
  }

  /** Plain http is reached only from a plain-http registry (loopback or --insecure), never from https. */
  private refuseDowngrade(url: URL, via: string): void {
    if (url.protocol === "https:") return;
    if (url.protocol !== "http:" || this.baseUrl.startsWith("https:")) {
      throw new OcreError(
        "OCRE_REGISTRY_DOWNGRADE",
        `registry ${this.registry} sent ${via} to ${redact(url)}, away from https`,
        {
          hint: "refusing to continue in clear text (credentials and content would travel unencrypted); tell the registry's operator",
        },
      );
    }
  }

  /**
   * One HTTP exchange with retries. `consume` reads the body of an answer that is not retried;
   * it runs inside the retry loop, so a reset, a timeout or a truncation while reading the body
   * is retried like one before the head. Error statuses are read only far enough for their text.
   */
  private async exchange<T>(
    method: string,
    url: string,
    auth: ScopedAuth | undefined,
    request: { headers?: Record<string, string>; body?: Uint8Array; retry?: boolean; operation?: string },
    consume: (res: HttpResponse, url: string) => Promise<T>,
  ): Promise<T> {
    const operation = request.operation ?? `${method} ${redactText(url)}`;
    const retries = request.retry === false ? 0 : (this.options.retries ?? DEFAULT_RETRIES);
    // A timeout is retried once: a registry that stays silent for two idle periods will not
    // answer the third, and each try costs a whole period.
    let timeouts = 0;
    for (let attempt = 0; ; attempt++) {
      let cause: string;
      let hinted: number | undefined;
      let status: number | undefined;
      let timedOut = false;
      try {
        const { res, url: answered } = await this.follow(method, url, request.headers ?? {}, request.body, auth);
        this.options.logger?.debug(`${method} ${redact(answered)} → ${res.status}`);
        if (res.status !== 429 && res.status < 500) return await consume(res, answered.toString());
        status = res.status;
        hinted = retryAfter(res.headers);
        const text = registryErrorText(await readSome(res.body, ERROR_BODY_LIMIT).catch(() => new Uint8Array()));
        cause = `answered ${res.status}${text ? ` (${text})` : ""}`;
      } catch (error) {
        if (error instanceof OcreError) throw error;
        if (this.deadline?.aborted) throw this.timedOut(operation);
        const code = errorCode(error);
        if (isCertificateError(code) && this.connected)
          throw new OcreError(
            "OCRE_REGISTRY_TLS",
            `${operation}: cannot verify a TLS certificate: ${errorMessage(error)}`,
            {
              hint: "pass the CA with --ca-file <ca.pem>",
            },
          );
        if (isPermanentNetworkError(code) && !this.connected) throw error;
        cause = errorMessage(error);
        timedOut = error instanceof TimeoutError;
        if (timedOut) timeouts++;
      }
      if (attempt >= retries || timeouts > 1) {
        if (request.retry === false)
          throw new TransientRegistryError(`${operation}: ${cause}`, status, hinted, timedOut);
        throw this.unavailable(operation, attempt + 1, cause);
      }
      const wait = this.delay(attempt, hinted);
      this.options.logger?.debug(`${operation}: ${cause}; retrying in ${wait} ms`);
      await sleep(wait, undefined, this.deadline ? { signal: this.deadline } : undefined).catch(() => {
        throw this.timedOut(operation);
      });
    }
  }

  /** Sends one request with retries and reads its body (bounded). */
  private send(
    method: string,
    url: string,
    auth: ScopedAuth | undefined,
    body: Uint8Array | undefined,
    request: Omit<RequestOptions, "scopes" | "body">,
  ): Promise<RegistryResponse> {
    const limit = request.maxBody ?? DEFAULT_MAX_BODY;
    return this.exchange(method, url, auth, { ...request, ...(body ? { body } : {}) }, async (res, answered) => {
      const ok = res.status >= 200 && res.status < 300;
      const bytes = ok
        ? await readBounded(
            res.body,
            limit,
            (size) =>
              request.tooLarge?.(size) ??
              new OcreError(
                "OCRE_OCI_INVALID",
                `registry ${this.registry}: the answer to ${request.operation ?? `${method} ${redactText(url)}`} is ${size === undefined ? "over" : `${size} bytes, over`} the ${limit}-byte limit`,
                { hint: "the registry sent more than such an answer can hold; tell its operator" },
              ),
          )
        : await readSome(res.body, ERROR_BODY_LIMIT);
      return { status: res.status, headers: res.headers, body: bytes, url: answered };
    });
  }

  private authorization(scopes: readonly string[]): ScopedAuth | undefined {
    if (this.challenge?.scheme === "bearer") {
      const token = this.tokens.get(scopes.join(" "));
      return token === undefined ? undefined : { header: `Bearer ${token}`, origin: this.origin };
    }
    if (this.challenge?.scheme === "basic" && this.credentials)
      return { header: basicHeader(this.credentials), origin: this.origin };
    return undefined;
  }

  private authError(status: number, detail: string): OcreError {
    if (this.credentials) {
      return new OcreError(
        "OCRE_REGISTRY_UNAUTHORIZED",
        `registry ${this.registry} rejected the credentials of user "${this.credentials.username}" (from ${this.credentials.source}): ${status} ${detail}`.trim(),
        {
          hint: "check the username and password (or token); ocre reads --username/--password-stdin, then OCRE_REGISTRY_USERNAME/OCRE_REGISTRY_PASSWORD for the registry OCRE_REGISTRY names, then ~/.docker/config.json",
        },
      );
    }
    return new OcreError(
      "OCRE_REGISTRY_UNAUTHORIZED",
      `registry ${this.registry} requires authentication: ${status} ${detail}`.trim(),
      {
        hint: this.ignoredEnvironment
          ? `${this.ignoredEnvironment}; set OCRE_REGISTRY=${this.registry} to use those credentials here`
          : `log in with --username <user> --password-stdin, or set OCRE_REGISTRY=${this.registry} with OCRE_REGISTRY_USERNAME and OCRE_REGISTRY_PASSWORD, or add the registry to ~/.docker/config.json`,
      },
    );
  }

  /** A 401 from a host that is not the registry: it gets nothing (docker's rule). */
  private foreignAuthError(url: string): OcreError {
    return new OcreError(
      "OCRE_REGISTRY_UNAUTHORIZED",
      `registry ${this.registry} sent ocre to ${redactText(url)}, which asks for credentials; ocre sends them only to ${this.origin} and its token service`,
      { hint: "the registry hands uploads or downloads to another host that wants a login; tell its operator" },
    );
  }

  /** The bearer-token flow: ask the realm for a token covering `scopes`, with basic credentials when we have them. */
  private async fetchToken(challenge: Challenge, scopes: readonly string[]): Promise<void> {
    const realm = challenge.params.realm;
    if (!realm)
      throw new OcreError("OCRE_REGISTRY_AUTH", `registry ${this.registry} asked for a bearer token without a realm`, {
        hint: "the registry's auth configuration is broken; tell its operator",
      });
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new OcreError("OCRE_REGISTRY_AUTH", `registry ${this.registry} names a token realm that is not a URL`, {
        hint: "the registry's auth configuration is broken; tell its operator",
      });
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && this.baseUrl.startsWith("http:"))) {
      throw new OcreError(
        "OCRE_REGISTRY_AUTH",
        `registry ${this.registry} sends logins to a token service that is not https (${redact(url)})`,
        { hint: "refusing to send credentials in clear text from an https registry; tell its operator" },
      );
    }
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    const wanted = new Set(scopes);
    if (challenge.params.scope) for (const s of challenge.params.scope.split(" ")) wanted.add(s);
    for (const scope of wanted) url.searchParams.append("scope", scope);
    let auth: ScopedAuth | undefined;
    if (this.credentials) {
      auth = { header: basicHeader(this.credentials), origin: originOf(url) };
      if (!this.noted.has(`token ${auth.origin}`)) {
        this.noted.add(`token ${auth.origin}`);
        this.options.logger?.debug(
          `registry ${this.registry}: credentials of user "${this.credentials.username}" (from ${this.credentials.source}) go to the token service ${auth.origin} its challenge names`,
        );
      }
    }
    const res = await this.send("GET", url.toString(), auth, undefined, {
      operation: "getting a token",
      maxBody: TOKEN_BODY_LIMIT,
    });
    if (res.status === 401 || res.status === 403) throw this.authError(res.status, "from the token service");
    if (res.status !== 200)
      throw new OcreError("OCRE_REGISTRY_AUTH", `the token service of ${this.registry} answered ${res.status}`, {
        hint: "retry later; if it persists, tell the registry's operator",
      });
    let token: unknown;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(res.body)) as { token?: unknown; access_token?: unknown };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || token === "" || /[\r\n]/.test(token))
      throw new OcreError("OCRE_REGISTRY_AUTH", `the token service of ${this.registry} sent no token`, {
        hint: "tell the registry's operator",
      });
    this.tokens.set(scopes.join(" "), token);
  }

  private async sharedTokenFetch(
    challenge: Challenge,
    scopes: readonly string[],
    sent: ScopedAuth | undefined,
  ): Promise<void> {
    const key = scopes.join(" ");
    // Another request already replaced the token we were refused with: use that one.
    const current = this.tokens.get(key);
    if (current !== undefined && `Bearer ${current}` !== sent?.header) return;
    let pending = this.pendingTokens.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, scopes).finally(() => this.pendingTokens.delete(key));
      this.pendingTokens.set(key, pending);
    }
    await pending;
  }

  /**
   * Runs `attempt` with the current authorization; a 401 from the registry's own origin starts
   * (or refreshes) authentication once, and a second 401 is the user's credentials being wrong or
   * missing, reported as such. A 401 from any other origin is never answered.
   */
  private async authenticated<T extends { status: number; headers: ResponseHeaders; url: string }>(
    scopes: readonly string[],
    attempt: (auth: ScopedAuth | undefined) => Promise<T>,
    detail: (res: T) => Promise<string>,
  ): Promise<T> {
    for (let round = 0; ; round++) {
      const auth = this.authorization(scopes);
      const res = await attempt(auth);
      if (res.status !== 401) return res;
      const text = await detail(res);
      if (originOf(new URL(res.url)) !== this.origin) throw this.foreignAuthError(res.url);
      const challenge = parseChallenge(res.headers.get("www-authenticate")) ?? this.challenge;
      const canAnswer =
        round === 0 &&
        challenge !== undefined &&
        (challenge.scheme === "bearer" || (this.credentials !== undefined && auth === undefined));
      if (!canAnswer) throw this.authError(res.status, text);
      this.challenge = challenge;
      if (challenge.scheme === "bearer") await this.sharedTokenFetch(challenge, scopes, auth);
    }
  }

  /** An authenticated request whose body is read into memory (bounded by `maxBody`). */
  async request(method: string, pathOrUrl: string, options: RequestOptions): Promise<RegistryResponse> {
    const url = this.url(pathOrUrl);
    return this.authenticated(
      options.scopes,
      (auth) => this.send(method, url, auth, options.body, options),
      async (res) => registryErrorText(res.body),
    );
  }

  /**
   * An authenticated GET whose successful body `consume` reads as a stream (a blob into a file).
   * `consume` runs again on a retry, so it must start over each time it is called.
   */
  async download<T>(
    pathOrUrl: string,
    options: Pick<RequestOptions, "scopes" | "operation" | "headers">,
    consume: (res: StreamedResponse) => Promise<T>,
  ): Promise<{ status: number; headers: ResponseHeaders; url: string; body: Uint8Array; value: T | undefined }> {
    const url = this.url(pathOrUrl);
    return this.authenticated(
      options.scopes,
      (auth) =>
        this.exchange("GET", url, auth, options, async (res, answered) => {
          if (res.status !== 200)
            return {
              status: res.status,
              headers: res.headers,
              url: answered,
              body: await readSome(res.body, ERROR_BODY_LIMIT),
              value: undefined,
            };
          const value = await consume({ status: res.status, headers: res.headers, url: answered, body: res.body });
          return { status: res.status, headers: res.headers, url: answered, body: new Uint8Array(), value };
        }),
      async (res) => registryErrorText(res.body),
    );
  }
}

/** URLs carry no secrets of ours, but a Location header could embed user info or a signed query: drop both. */
function redact(url: URL): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  u.search = u.search === "" ? "" : "?…";
  return u.toString();
}

function redactText(url: string): string {
  try {
    return redact(new URL(url));
  } catch {
    return "<url>";
  }
}

let systemCaCache: string[] | undefined;
/** Node's bundled CA list: a custom `ca` replaces it, and --ca-file should add to it, not replace it. */
async function systemCas(): Promise<string[]> {
  const tls = await import("node:tls");
  systemCaCache ??= [...tls.rootCertificates];
  return systemCaCache;
}
