import { execFile } from "node:child_process";

/** What the app's git checkout says about the source an image was built from. */
export interface SourceInfo {
  /** Full commit id of HEAD. */
  readonly revision?: string;
  /** Committer time of HEAD, seconds since the epoch. */
  readonly commitTime?: number;
  /** "Name <email>" of HEAD's author. */
  readonly author?: string;
  /** The `origin` remote's URL: scheme, host and path only (see publicSourceUrl). */
  readonly source?: string;
  /** Why the remote URL was left out, when it was (for a warning). */
  readonly sourceOmitted?: string;
}

function git(cwd: string, args: string[]): Promise<string | undefined> {
  // No git, or not a checkout: every field is simply absent.
  return new Promise((resolve) => {
    const child = execFile("git", args, { cwd, encoding: "utf8" }, (error, stdout) => {
      const text = error ? "" : stdout.trim();
      resolve(text === "" ? undefined : text);
    });
    child.stdin?.end();
  });
}

/**
 * What of a remote URL may be published in `org.opencontainers.image.source`, which anyone who
 * can pull the image reads. Fails closed: only scheme, host (with port) and path are kept;
 * userinfo ("https://user:token@host"), query ("?private_token=…") and fragment are dropped.
 * scp-like "git@host:org/repo.git" becomes "ssh://host/org/repo.git" (the user is dropped too).
 * Anything else that does not parse as a URL is `undefined`: left out, never copied verbatim.
 */
export function publicSourceUrl(remote: string): string | undefined {
  const text = remote.trim();
  const scp = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!\/\/)([^\s?#]+)$/.exec(text);
  if (scp) return publicSourceUrl(`ssh://${scp[1]}/${scp[2]!.replace(/^\/+/, "")}`);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return undefined;
  }
  if (!/^(https?|ssh|git|git\+ssh):$/.test(parsed.protocol) || parsed.hostname === "") return undefined;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
}

/**
 * Reads git metadata for the app in `dir`. Every field is absent outside a git checkout, without
 * git, or when the checkout does not track the app's manifest: an app created inside another
 * project's checkout (ocre's own, say) is not that project's source, so the image must not claim
 * its commit.
 */
export async function readSourceInfo(dir: string, manifest = "ocre.yaml"): Promise<SourceInfo> {
  if ((await git(dir, ["ls-files", "--", manifest])) === undefined) return {};
  const head = await git(dir, ["log", "-1", "--format=%H%n%ct%n%an <%ae>"]);
  const remote = await git(dir, ["config", "--get", "remote.origin.url"]);
  const [revision, time, author] = head?.split("\n") ?? [];
  const commitTime = time === undefined ? undefined : Number.parseInt(time, 10);
  const source = remote === undefined ? undefined : publicSourceUrl(remote);
  return {
    ...(revision ? { revision } : {}),
    ...(commitTime !== undefined && Number.isFinite(commitTime) ? { commitTime } : {}),
    ...(author ? { author } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(remote !== undefined && source === undefined
      ? { sourceOmitted: "the origin remote URL does not parse as a URL; org.opencontainers.image.source is left out" }
      : {}),
  };
}
