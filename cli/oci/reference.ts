import { OcreError } from "../errors.js";
import { isDigest, type Digest } from "./digest.js";

/** A registry reference: `<registry>/<repository>[:<tag>][@<digest>]`. */
export interface RemoteReference {
  /** Host[:port] as written, e.g. "localhost:5000", "ghcr.io". */
  readonly registry: string;
  /** Repository path inside the registry, e.g. "org/app". */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
}

const COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function invalid(text: string, why: string): OcreError {
  return new OcreError("OCRE_REFERENCE_INVALID", `"${text}" is not a registry reference: ${why}`, {
    hint: "write <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<hex>, e.g. localhost:5000/blinky:1.0.0",
  });
}

/** Whether the first path component names a registry host rather than a repository (docker's rule). */
function looksLikeHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost";
}

/**
 * Parses a reference. Like docker, a reference without a registry host means Docker Hub
 * ("docker.io", single names under "library/"), and one without a tag or digest means ":latest".
 */
export function parseReference(text: string): RemoteReference {
  let rest = text.trim();
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw invalid(text, `"${d}" is not a sha256 digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf("/");
  let registry = "docker.io";
  if (slash > 0 && looksLikeHost(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `"${tag}" is not a valid tag`);
  }
  if (registry === "docker.io" && !rest.includes("/")) rest = `library/${rest}`;
  if (!REPOSITORY.test(rest))
    throw invalid(text, `"${rest}" is not a valid repository name (lowercase letters, digits, separators . _ - and /)`);
  if (tag === undefined && digest === undefined) tag = "latest";
  return { registry, repository: rest, tag, digest };
}

/** The reference as text, the way users write it. */
export function formatReference(ref: RemoteReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`;
}

/** Whether a host[:port] is on this machine (plain http is allowed there without --insecure). */
export function isLoopbackHost(registry: string): boolean {
  const host = registry.startsWith("[") ? registry.slice(1, registry.indexOf("]")) : registry.replace(/:\d+$/, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host that serves the API (Docker Hub answers on a different name than its references use). */
export function apiHost(registry: string): string {
  return registry === "docker.io" ? "registry-1.docker.io" : registry;
}
