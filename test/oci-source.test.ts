import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { tempDir } from "./helpers/cli.js";
import { packageImage } from "../cli/oci/index.js";
import { publicSourceUrl } from "../cli/oci/source-info.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

describe("org.opencontainers.image.source keeps scheme, host and path only", () => {
  it.each([
    ["https://git.example.com/iot/blinky.git", "https://git.example.com/iot/blinky.git"],
    ["https://ci-bot:s3cret@git.example.com/iot/blinky.git", "https://git.example.com/iot/blinky.git"],
    ["https://gitlab.example.com/iot/blinky.git?private_token=s3cret", "https://gitlab.example.com/iot/blinky.git"],
    ["https://git.example.com/iot/blinky.git#s3cret", "https://git.example.com/iot/blinky.git"],
    ["https://oauth2:s3cret@git.example.com:8443/a/b?x=s3cret#s3cret", "https://git.example.com:8443/a/b"],
    ["ssh://git@git.example.com:2222/iot/blinky.git", "ssh://git.example.com:2222/iot/blinky.git"],
    ["git@github.com:iot/blinky.git", "ssh://github.com/iot/blinky.git"],
    ["deploy:s3cret@github.com:iot/blinky.git", "ssh://github.com/iot/blinky.git"],
  ])("%s → %s", (remote, expected) => {
    expect(publicSourceUrl(remote)).toBe(expected);
  });

  it.each([
    ["not a url at all"],
    ["https://exa mple.com/x?token=s3cret"],
    ["file:///home/ada/s3cret/repo"],
    ["http://"],
    ["https://[::1/x"],
  ])("%s is left out", (remote) => {
    expect(publicSourceUrl(remote)).toBeUndefined();
  });

  it("a build whose origin cannot be parsed leaves the annotation out and warns", async () => {
    const repo = await tempDir("ocre-oci-source-");
    await execa("git", ["init", "-q"], { cwd: repo });
    await writeFile(path.join(repo, "ocre.yaml"), "name: blinky\n");
    await execa("git", ["add", "."], { cwd: repo });
    const env = { GIT_AUTHOR_NAME: "A", GIT_AUTHOR_EMAIL: "a@x", GIT_COMMITTER_NAME: "A", GIT_COMMITTER_EMAIL: "a@x" };
    await execa("git", ["commit", "-q", "-m", "init"], { cwd: repo, env });
    await execa("git", ["remote", "add", "origin", "https://exa mple.com/r?private_token=s3cret"], { cwd: repo });
    const spec = (await fixtureSpec()) as ContainerSpec;
    const warnings: string[] = [];
    const result = await packageImage(
      spec,
      fixtureConfig(spec, repo) as ResolvedConfig,
      {},
      {
        info: () => {},
        debug: () => {},
        warn: (line) => warnings.push(line),
      },
    );
    const { readFile } = await import("node:fs/promises");
    const manifest = await readFile(path.join(repo, "build", "oci", "blobs", "sha256", result.digest.slice(7)), "utf8");
    expect(manifest).not.toContain("s3cret");
    expect(manifest).not.toContain("org.opencontainers.image.source");
    expect(warnings).toEqual([expect.stringContaining("org.opencontainers.image.source is left out")]);
  });
});
