import { OcreError } from "../errors.js";
import { escapeText } from "../ui/escape.js";
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
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);

/** The transport prefix that says "this is a registry reference" whatever it looks like. */
export const REGISTRY_TRANSPORT = "docker://";

/** Longest repository name (with its registry host) registries accept: distribution's limit. */
export const MAX_NAME_LENGTH = 255;

/** Quotes untrusted text for a message: control characters escaped, length bounded. */
function quoted(text: string): string {
  const shown = escapeText(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  return `"${shown}"`;
}

function invalid(text: string, why: string): OcreError {
  return new OcreError("OCRE_REFERENCE_INVALID", `${quoted(text)} is not a registry reference: ${why}`, {
    hint: "write <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<hex>, e.g. localhost:5000/blinky:1.0.0",
  });
}

/** Whether the first path component names a registry host rather than a repository (docker's rule). */
function looksLikeHost(component: string): boolean {
  // "." and ".." (and anything starting with a dot) are folders, never hosts.
  if (component.startsWith(".")) return false;
  return component.includes(".") || component.includes(":") || component === "localhost";
}

/**
 * Whether a command-line reference may be fetched from a registry: it has the explicit
 * `docker://` transport, or its first path component names a registry host (has a dot or a
 * port, or is localhost). Anything else (`blinky:1.0`, `apps/blinki`, `./x`) stays local, so a
 * typo never turns into a download.
 */
export function namesRegistry(text: string): boolean {
  if (text.startsWith(REGISTRY_TRANSPORT)) return true;
  const slash = text.indexOf("/");
  return slash > 0 && looksLikeHost(text.slice(0, slash));
}

/** The reference without its `docker://` transport. */
export function withoutTransport(text: string): string {
  return text.startsWith(REGISTRY_TRANSPORT) ? text.slice(REGISTRY_TRANSPORT.length) : text;
}

/** A full image name as the local store keeps it: `[host[:port]/]repository:tag`, written as given. */
export interface ImageName {
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
}

/**
 * Checks a name against the OCI/distribution reference grammar (lowercase repository path,
 * optional host[:port], optional tag, optional digest, at most 255 characters of name) and
 * returns it split. Used for the names an archive carries and `--name`.
 */
export function parseImageName(text: string): ImageName {
  let rest = text;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw invalid(text, `${quoted(d)} is not a sha256 digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `${quoted(tag)} is not a valid tag`);
  }
  if (rest.length > MAX_NAME_LENGTH)
    throw invalid(text, `the name is ${rest.length} characters, over the limit of ${MAX_NAME_LENGTH}`);
  const slash = rest.indexOf("/");
  let path = rest;
  if (slash > 0 && looksLikeHost(rest.slice(0, slash))) {
    if (!HOST.test(rest.slice(0, slash))) throw invalid(text, `${quoted(rest.slice(0, slash))} is not a host[:port]`);
    path = rest.slice(slash + 1);
  }
  if (!REPOSITORY.test(path))
    throw invalid(
      text,
      `${quoted(path)} is not a valid repository name (lowercase letters, digits, separators . _ - and /)`,
    );
  return { name: rest, tag, digest };
}

/** Whether `text` is a bare tag (what `oci-archive:FILE:TAG` names), not a repository. */
export function isBareTag(text: string): boolean {
  return TAG.test(text) && !text.includes("/");
}

/**
 * Parses a reference. Like docker, a reference without a registry host means Docker Hub
 * ("docker.io", single names under "library/"), and one without a tag or digest means ":latest".
 */
export function parseReference(text: string): RemoteReference {
  let rest = withoutTransport(text.trim());
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw invalid(text, `${quoted(d)} is not a sha256 digest`);
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
    if (!TAG.test(tag)) throw invalid(text, `${quoted(tag)} is not a valid tag`);
  }
  if (registry.length + 1 + rest.length > MAX_NAME_LENGTH)
    throw invalid(
      text,
      `the name is ${registry.length + 1 + rest.length} characters, over the limit of ${MAX_NAME_LENGTH}`,
    );
  if (registry !== "docker.io" && !HOST.test(registry)) throw invalid(text, `${quoted(registry)} is not a host[:port]`);
  if (registry === "docker.io" && !rest.includes("/")) rest = `library/${rest}`;
  if (!REPOSITORY.test(rest))
    throw invalid(
      text,
      `${quoted(rest)} is not a valid repository name (lowercase letters, digits, separators . _ - and /)`,
    );
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
