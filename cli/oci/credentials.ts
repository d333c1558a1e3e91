import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { OcreError } from "../errors.js";

/** A username and password (or token) for one registry. Never logged, never part of an error. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Where they came from, for --verbose ("--username", "environment", "docker config"). */
  readonly source: string;
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

/** Env variables that give credentials for every registry (CI secrets). */
export const ENV_USERNAME = "OCRE_REGISTRY_USERNAME";
export const ENV_PASSWORD = "OCRE_REGISTRY_PASSWORD";

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
 * OCRE_REGISTRY_USERNAME / OCRE_REGISTRY_PASSWORD, then docker's config.json (`auths`,
 * `credHelpers`, `credsStore`). None means anonymous.
 */
export async function findCredentials(registry: string, options: CredentialOptions): Promise<Credentials | undefined> {
  const env = options.env ?? process.env;
  if (options.username !== undefined) {
    if (options.password === undefined) {
      throw new OcreError("OCRE_REGISTRY_PASSWORD_MISSING", "--username needs a password", {
        hint: 'pipe it in with --password-stdin, e.g. `echo "$TOKEN" | ocre push --username me --password-stdin …`',
      });
    }
    return { username: options.username, password: options.password, source: "--username" };
  }
  const user = env[ENV_USERNAME];
  const password = env[ENV_PASSWORD];
  if (user !== undefined && user !== "" && password !== undefined)
    return { username: user, password, source: "environment" };
  return fromDockerConfig(registry, env);
}
