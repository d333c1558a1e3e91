import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { cp, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { ZEPHYR_RELEASES, DEFAULT_ZEPHYR, WAMR_REPO_URL, ZEPHYR_URL_BASE } from "../cli/boards/zephyr.js";
import { cliPath, tempDir } from "./helpers/cli.js";
import { hasTool, missingTools } from "./helpers/tools.js";

/*
 * Real west stays green: west (from its source or PyPI) and a Zephyr workspace run the generated
 * project the way its README says, and `ocre build --firmware` (which runs west when it is on
 * PATH) gives the same image.
 *
 * Needs OCRE_ZEPHYR_WORKSPACE: a west workspace (topdir) holding the release ocre pins by
 * default, with zephyr/ and the modules checked out at the paths and revisions of zephyr/west.yml
 * and WAMR at modules/lib/wasm-micro-runtime (what ../shared/tools/zephyr-workspace assembles),
 * and `west` on PATH (or OCRE_WEST). The workspace stands in for GitHub: the test makes a local
 * mirror of each repository the generated west.yml and Zephyr's own west.yml name (depth 1, at
 * the revision the manifests pin, with the workspace's local changes), and git's
 * `url.<mirror>.insteadOf` sends the remotes' URLs there. The URLs are ocre's one source
 * (cli/boards/zephyr.ts); every other https URL goes to a path that does not exist, so nothing
 * reaches the network. CI has neither west nor a workspace (it cannot fetch Zephyr): skipped.
 */

const workspace = process.env.OCRE_ZEPHYR_WORKSPACE ?? "";
const west = process.env.OCRE_WEST ?? "west";
const skipReason =
  workspace === ""
    ? "set OCRE_ZEPHYR_WORKSPACE to a Zephyr west workspace"
    : !hasTool(west)
      ? `no ${west} on PATH (set OCRE_WEST)`
      : undefined;
const release = ZEPHYR_RELEASES.find((r) => r.version === DEFAULT_ZEPHYR)!;
const BOARD = "mps2-an521";

interface WestProject {
  name: string;
  revision?: string;
  path?: string;
  remote?: string;
  "repo-path"?: string;
}

interface WestManifest {
  manifest: {
    remotes?: { name: string; "url-base": string }[];
    defaults?: { remote?: string };
    projects: (WestProject & { import?: { "name-allowlist"?: string[] } })[];
  };
}

async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return String((await execa("git", args, { cwd, env })).stdout).trim();
}

/**
 * A bare, shallow mirror of `checkout` at `rev` with the checkout's uncommitted and untracked
 * files on top (a workspace may carry a fix the fork it came from lacks), with `ref` pointing at
 * it. Shallow because the fetched mirrors on this kind of machine hold partial histories.
 */
async function mirror(checkout: string, rev: string, dest: string, ref: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await git(dest, ["init", "-q", "--bare"]);
  await git(dest, ["config", "uploadpack.allowAnySHA1InWant", "true"]);
  await git(dest, ["fetch", "-q", "--depth", "1", `file://${checkout}`, rev]);
  const atHead = (await git(dest, ["rev-parse", "FETCH_HEAD"])) === (await git(checkout, ["rev-parse", "HEAD"]));
  const changed = atHead ? await git(checkout, ["status", "--porcelain", "--ignored", "--untracked-files=all"]) : "";
  const extra = changed
    .split("\n")
    .filter((l) => l !== "" && !/__pycache__|\.pyc$/.test(l))
    .map((l) => l.slice(3));
  let commit = await git(dest, ["rev-parse", "FETCH_HEAD"]);
  if (extra.length > 0) {
    const env = {
      GIT_DIR: dest,
      GIT_WORK_TREE: checkout,
      GIT_INDEX_FILE: path.join(dest, "snapshot-index"),
      GIT_AUTHOR_NAME: "ocre test",
      GIT_AUTHOR_EMAIL: "test@localhost",
      GIT_COMMITTER_NAME: "ocre test",
      GIT_COMMITTER_EMAIL: "test@localhost",
    };
    await git(checkout, ["read-tree", commit], env);
    await git(checkout, ["add", "-f", "--", ...extra], env);
    const tree = await git(checkout, ["write-tree"], env);
    commit = await git(
      checkout,
      ["commit-tree", tree, "-p", commit, "-m", `workspace changes: ${extra.join(", ")}`],
      env,
    );
  }
  await git(dest, ["update-ref", ref, commit]);
}

/** text, data and bss of an ELF, as binutils' size reports them. */
async function sizes(elf: string): Promise<{ text: number; data: number; bss: number }> {
  const berkeley = String((await execa("arm-none-eabi-size", ["-B", "-d", elf])).stdout)
    .split("\n")[1]!
    .trim();
  const [text, data, bss] = berkeley.split(/\s+/).map(Number) as [number, number, number];
  return { text, data, bss };
}

describe.skipIf(skipReason !== undefined)(
  `real west on a generated project${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    it("west init -l, west update, west build and ocre build --firmware give the same image", async () => {
      if (missingTools("arm-none-eabi-gcc", "arm-none-eabi-size", "cmake", "ninja", "dtc")) return;
      const timings: Record<string, number> = {};
      const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
        const start = performance.now();
        try {
          return await fn();
        } finally {
          timings[label] = Math.round((performance.now() - start) / 100) / 10;
        }
      };
      const root = await tempDir("ocre-west-real-");
      const version = await readFile(path.join(workspace, "zephyr", "VERSION"), "utf8");
      const [major, minor, patch] = ["VERSION_MAJOR", "VERSION_MINOR", "PATCHLEVEL"].map(
        (k) => new RegExp(`^${k} = (\\d+)$`, "m").exec(version)?.[1],
      );
      expect(`v${major}.${minor}.${patch}`, "the workspace holds ocre's default Zephyr release").toBe(
        release.zephyrRevision,
      );

      // An app and its generated project, as a user has them after `ocre build`.
      const app = path.join(root, "app");
      const ocre = (args: string[], env: Record<string, string> = {}) =>
        execa(process.execPath, [cliPath, ...args], {
          cwd: app,
          env: { NO_COLOR: "1", ...env },
          all: true,
          reject: false,
        });
      expect((await execa(process.execPath, [cliPath, "new", app])).exitCode).toBe(0);
      const built = await ocre(["build", "--board", BOARD]);
      expect(built.exitCode, String(built.all)).toBe(0);
      const project = path.join(app, "build", BOARD);
      const generated = parse(await readFile(path.join(project, "west.yml"), "utf8")) as WestManifest;
      const readme = await readFile(path.join(project, "README.md"), "utf8");

      // Mirrors of every repository west will ask for, and git config that sends it there.
      const zephyrManifest = parse(await readFile(path.join(workspace, "zephyr", "west.yml"), "utf8")) as WestManifest;
      const upstream = zephyrManifest.manifest.remotes!.find(
        (r) => r.name === (zephyrManifest.manifest.defaults?.remote ?? "upstream"),
      )!;
      expect(upstream["url-base"], "Zephyr's own manifest and ocre name the same GitHub organisation").toBe(
        ZEPHYR_URL_BASE,
      );
      const zephyrProject = generated.manifest.projects.find((p) => p.name === "zephyr")!;
      const allow = zephyrProject.import?.["name-allowlist"] ?? [];
      const mirrors = path.join(root, "mirrors");
      const insteadOf: [string, string][] = [];
      await timed("mirrors", async () => {
        await mirror(
          path.join(workspace, "zephyr"),
          "HEAD",
          path.join(mirrors, "zephyr.git"),
          `refs/tags/${release.zephyrRevision}`,
        );
        insteadOf.push([path.join(mirrors, "zephyr.git"), `${ZEPHYR_URL_BASE}/zephyr`]);
        for (const name of allow) {
          const p = zephyrManifest.manifest.projects.find((q) => q.name === name)!;
          const dest = path.join(mirrors, `${name}.git`);
          await mirror(path.join(workspace, p.path ?? name), p.revision!, dest, `refs/heads/${name}`);
          insteadOf.push([dest, `${ZEPHYR_URL_BASE}/${p["repo-path"] ?? name}`]);
        }
        const wamr = path.join(mirrors, "wasm-micro-runtime.git");
        await mirror(
          path.join(workspace, "modules", "lib", "wasm-micro-runtime"),
          `refs/tags/${release.wamrRevision}`,
          wamr,
          `refs/tags/${release.wamrRevision}`,
        );
        insteadOf.push([wamr, WAMR_REPO_URL]);
      });
      const gitconfig = path.join(root, "gitconfig");
      await writeFile(
        gitconfig,
        [
          ...insteadOf.map(([to, from]) => `[url "${to}"]\n\tinsteadOf = ${from}`),
          // Longest match wins: any other https URL goes nowhere instead of to the network.
          `[url "${path.join(root, "no-network")}/"]\n\tinsteadOf = https://`,
          "[protocol]\n\tallow = always",
          "[advice]\n\tdetachedHead = false",
          "",
        ].join("\n"),
      );

      // The generated README's commands, from the folder that holds the project.
      const ws = path.join(root, "ws");
      await mkdir(ws);
      await cp(project, path.join(ws, BOARD), { recursive: true });
      const toolchain = Object.fromEntries(
        [...readme.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as [string, string]),
      );
      const env: Record<string, string> = { ...toolchain, GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: "1" };
      // west finds Zephyr in the workspace it manages, not in a ZEPHYR_BASE the caller set.
      const inherited = Object.fromEntries(
        Object.entries(process.env).filter(([k, v]) => k !== "ZEPHYR_BASE" && v !== undefined),
      ) as Record<string, string>;
      const westRun = (args: string[], label: string) =>
        timed(label, () =>
          execa(west, args, { cwd: ws, env: { ...inherited, ...env }, extendEnv: false, all: true, reject: false }),
        );
      const lines = readme.split("\n");
      const initLine = lines.find((l) => l.startsWith("west init -l "))!;
      const buildLine = lines.find((l) => l.startsWith("west build -b "))!;
      expect(initLine).toBe(`west init -l ${BOARD}`);
      const init = await westRun(initLine.split(" ").slice(1), "west init -l");
      expect(init.exitCode, String(init.all)).toBe(0);
      // docs/ci.md's form: only the pinned revisions, one commit deep (the mirrors are shallow).
      const update = await westRun(["update", "--narrow", "-o=--depth=1"], "west update");
      expect(update.exitCode, String(update.all)).toBe(0);
      for (const name of allow) expect(String(update.all)).toContain(`updating ${name} (`);
      const westBuild = await westRun(buildLine.split(/\s+/).slice(1), "west build");
      expect(westBuild.exitCode, String(westBuild.all).slice(-4000)).toBe(0);
      const westElf = path.join(ws, BOARD, "firmware", "zephyr", "zephyr.elf");

      // ocre build --firmware, with west on PATH, against the workspace west just updated.
      const ocreBuild = await timed("ocre build --firmware", () =>
        ocre(["build", "--board", BOARD, "--firmware"], { ...env, ZEPHYR_BASE: path.join(ws, "zephyr") }),
      );
      expect(ocreBuild.exitCode, String(ocreBuild.all).slice(-4000)).toBe(0);
      expect(String(ocreBuild.all)).toContain("with west");
      const ocreElf = path.join(project, "firmware", "zephyr.elf");
      expect((await stat(ocreElf)).isFile()).toBe(true);

      const [fromWest, fromOcre] = [await sizes(westElf), await sizes(ocreElf)];
      // The run's record (the issue's closing note reports it).
      console.info(`real west: ${JSON.stringify({ timings, west: fromWest, ocre: fromOcre })}`);
      expect(fromOcre).toEqual(fromWest);
    }, 3_600_000);
  },
);
