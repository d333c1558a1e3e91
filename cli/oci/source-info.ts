import { execFile } from "node:child_process";

/** What the app's git checkout says about the source an image was built from. */
export interface SourceInfo {
  /** Full commit id of HEAD. */
  readonly revision?: string;
  /** Committer time of HEAD, seconds since the epoch. */
  readonly commitTime?: number;
  /** "Name <email>" of HEAD's author. */
  readonly author?: string;
  /** The `origin` remote's URL, without any credentials embedded in it. */
  readonly source?: string;
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
 * Remote URLs sometimes carry a token ("https://user:token@host/..."): those must never reach an
 * image annotation, which anyone who can pull the image reads.
 */
export function stripUrlCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    // scp-like "git@host:org/repo.git" is not a URL and holds no secret.
    return url;
  }
}

/** Reads git metadata for `dir`; every field is absent outside a git checkout or without git. */
export async function readSourceInfo(dir: string): Promise<SourceInfo> {
  const head = await git(dir, ["log", "-1", "--format=%H%n%ct%n%an <%ae>"]);
  const remote = await git(dir, ["config", "--get", "remote.origin.url"]);
  const [revision, time, author] = head?.split("\n") ?? [];
  const commitTime = time === undefined ? undefined : Number.parseInt(time, 10);
  return {
    ...(revision ? { revision } : {}),
    ...(commitTime !== undefined && Number.isFinite(commitTime) ? { commitTime } : {}),
    ...(author ? { author } : {}),
    ...(remote ? { source: stripUrlCredentials(remote) } : {}),
  };
}
