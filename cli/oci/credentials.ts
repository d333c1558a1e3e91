import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { OcreError } from "../errors.js";

/** A username and password (or token) for one registry. Never logged, never part of an error. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Where they came from, for --verbose ("--username", "environment", "docker config"). */
  readonly source: string;
}

/** What the lookup found for one registry, and why (for --verbose and for the 401 hint). */
export interface CredentialLookup {
  readonly credentials: Credentials | undefined;
  /** Set when environment credentials exist but name another registry (or none), so were not used. */
  readonly ignoredEnvironment: string | undefined;
}

export interface CredentialOptions {
  /** `--username`, with the password read from stdin by the command (`--password-stdin`). */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/**
 * Env variables for CI secrets. They apply only to the registry OCRE_REGISTRY names, as docker's
 * config.json entries apply only to their own host: a password meant for one registry must not
 * reach another that merely asks (a typo in a reference, a hostile redirect, a mirror).
 */
export const ENV_REGISTRY = "OCRE_REGISTRY";
export const ENV_USERNAME = "OCRE_REGISTRY_USERNAME";
export const ENV_PASSWORD = "OCRE_REGISTRY_PASSWORD";

/** Docker Hub answers to several names; credentials for one are credentials for all. */
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** "https://Host:5000/" → "host:5000": how OCRE_REGISTRY may be written, compared with the reference's registry. */
function normalHost(text: string): string {
  const host = text
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
  return DOCKER_HUB.has(host) ? "docker.io" : host;
}

/** Whether OCRE_REGISTRY names `registry` (host and port, case-insensitive). */
export function environmentNames(named: string | undefined, registry: string): boolean {
  return named !== undefined && named.trim() !== "" && normalHost(named) === normalHost(registry);
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(env.HOME ?? os.homedir(), ".docker"), "config.json");
}

/** The keys docker itself writes for a registry in `auths` (Docker Hub keeps its historic v1 URL). */
function authKeys(registry: string): string[] {
  const keys = [
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  ];
  if (registry === "docker.io") keys.push("https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io");
  return keys;
}

async function fromHelper(helper: string, registry: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  // The docker credential-helper protocol: `docker-credential-<name> get`, host on stdin, JSON out.
  // node:child_process loads only when a helper is configured (most pushes have none).
  const { execFile } = await import("node:child_process");
  const stdout = await new Promise<string | undefined>((resolve) => {
    const child = execFile(`docker-credential-${helper}`, ["get"], { env, encoding: "utf8" }, (error, out) =>
      resolve(error ? undefined : out),
    );
    child.stdin?.end(registry);
  });
  if (stdout === undefined) return undefined;
  try {
    const parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
    if (typeof parsed.Username === "string" && typeof parsed.Secret === "string") {
      return { username: parsed.Username, password: parsed.Secret, source: `docker-credential-${helper}` };
    }
  } catch {
    // A helper that prints something else has no credentials for us.
  }
  return undefined;
}

async function fromDockerConfig(registry: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const file = dockerConfigPath(env);
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  let config: DockerConfig;
  try {
    config = JSON.parse(text) as DockerConfig;
  } catch {
    throw new OcreError("OCRE_DOCKER_CONFIG_INVALID", `${file} is not valid JSON`, {
      hint: "fix or remove it (it holds registry logins)",
    });
  }
  const helper = config.credHelpers?.[registry];
  if (helper) return fromHelper(helper, registry, env);
  for (const key of authKeys(registry)) {
    const entry = config.auths?.[key];
    if (!entry) continue;
    if (entry.username !== undefined && entry.password !== undefined)
      return { username: entry.username, password: entry.password, source: file };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
    }
  }
  if (config.credsStore) return fromHelper(config.credsStore, registry, env);
  return undefined;
}

/**
 * Credentials for `registry`, first found wins: `--username` + `--password-stdin`, then
 * OCRE_REGISTRY_USERNAME / OCRE_REGISTRY_PASSWORD when OCRE_REGISTRY names this registry, then
 * docker's config.json (`auths`, `credHelpers`, `credsStore`), whose entries are per host. None
 * means anonymous.
 */
export async function findCredentials(registry: string, options: CredentialOptions): Promise<CredentialLookup> {
  const env = options.env ?? process.env;
  if (options.username !== undefined) {
    if (options.password === undefined) {
      throw new OcreError("OCRE_REGISTRY_PASSWORD_MISSING", "--username needs a password", {
        hint: 'pipe it in with --password-stdin, e.g. `echo "$TOKEN" | ocre push --username me --password-stdin …`',
      });
    }
    return {
      credentials: { username: options.username, password: options.password, source: "--username" },
      ignoredEnvironment: undefined,
    };
  }
  const user = env[ENV_USERNAME];
  const password = env[ENV_PASSWORD];
  let ignoredEnvironment: string | undefined;
  if (user !== undefined && user !== "" && password !== undefined) {
    const named = env[ENV_REGISTRY];
    if (environmentNames(named, registry))
      return {
        credentials: { username: user, password, source: `environment (${ENV_REGISTRY}=${named})` },
        ignoredEnvironment: undefined,
      };
    ignoredEnvironment =
      named === undefined || named.trim() === ""
        ? `${ENV_USERNAME} is set, but ${ENV_REGISTRY} does not name a registry, so it applies to none`
        : `${ENV_USERNAME} is set for ${ENV_REGISTRY}=${named}, not for ${registry}`;
  }
  return { credentials: await fromDockerConfig(registry, env), ignoredEnvironment };
}
