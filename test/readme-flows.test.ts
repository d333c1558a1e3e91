import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdir, readFile, readdir, stat, symlink } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { APP_TEMPLATE_NAMES } from "../cli/scaffold/templates.js";
import { startRegistry } from "./registry-server.mjs";
import { cliPath, repoRoot, tempDir } from "./helpers/cli.js";
import { hasTool, missingTools } from "./helpers/tools.js";

/*
 * The README's flows, as typed: every ```sh block of README.md and of each app template's README
 * (as `ocre new` writes it) runs in a fresh temp directory, line by line in one bash session,
 * and each line's exit code is checked. Nothing is rewritten except what is listed below, each
 * with its reason; a listed text that is no longer in its README fails the staleness test.
 *
 * npm runs with a loopback "registry" that records every request and answers 404: the flows
 * must never need it (an app runs the ocre that `npm install` linked from this checkout), and
 * the last test asserts it saw nothing.
 */

interface Block {
  /** Where the block is: "README.md:42". */
  readonly where: string;
  readonly lines: readonly { readonly n: number; readonly text: string }[];
}

/** The ```sh blocks of a Markdown text, with their 1-based line numbers. */
function shellBlocks(markdown: string, file: string): Block[] {
  const blocks: Block[] = [];
  let current: { n: number; text: string }[] | undefined;
  let start = 0;
  markdown.split("\n").forEach((text, i) => {
    if (current === undefined && /^```(sh|bash|shell)\s*$/.test(text)) {
      current = [];
      start = i + 1;
    } else if (current !== undefined && /^```\s*$/.test(text)) {
      blocks.push({ where: `${file}:${start}`, lines: current });
      current = undefined;
    } else if (current !== undefined && text.trim() !== "" && !text.trim().startsWith("#")) {
      current.push({ n: i + 1, text });
    }
  });
  return blocks;
}

/** Blocks of README.md not run, by a text they contain, and why. */
const README_BLOCKS_NOT_RUN: Record<string, string> = {
  "bash .ci/run": "installs Debian packages with apt-get and runs this very test suite",
  "npm test ": "the developer loop on the checkout (npm ci, npm test, bench, lint): it runs this suite",
};

/** Text replaced before a line runs: [README, text, replacement, why]. */
const REWRITES: readonly (readonly [string, string, (ctx: Context) => string, string])[] = [
  [
    "README.md",
    "npm ci && ",
    () => "",
    "the checkout under test is installed already, and npm ci needs the npm registry, which tests may not reach",
  ],
  [
    "README.md",
    "ghcr.io/",
    (ctx) => `${ctx.registryHost}/`,
    "a loopback registry (Debian's docker-registry) stands in",
  ],
];

/**
 * Lines that need a Zephyr tree (a firmware build): they run only when ZEPHYR_BASE names one;
 * otherwise their test is reported as skipped. The generated west project's own README (west
 * init/update/build) is run by test/firmware-west-real.test.ts, which needs west and a workspace.
 */
const NEEDS_ZEPHYR: readonly (readonly [string, string])[] = [
  ["health", "npm run build -- --board mps2-an521 --firmware"],
];
const zephyrTree = process.env.ZEPHYR_BASE !== undefined && process.env.ZEPHYR_BASE !== "";

/** Lines whose documented outcome is a non-zero exit: [README, text, exit code]. */
const EXPECTED_EXIT: readonly (readonly [string, string, number])[] = [
  // The health demo's faulty container traps on purpose; `ocre run` exits with its code.
  ["health", "npm run sim", 134],
];

/** Longest a README block may run (a step that never returns fails the block). */
const BLOCK_TIMEOUT_MS = 480_000;

interface Context {
  registryHost: string;
  npmEnv: Record<string, string>;
}

interface LineResult {
  n: number;
  text: string;
  exitCode: number;
}

/**
 * Runs a block's lines in one bash session (so `cd` carries over) in `cwd`; returns each line's
 * exit code and the session's output.
 */
async function runBlock(
  block: Block,
  readme: string,
  cwd: string,
  ctx: Context,
  skip: (text: string) => boolean,
): Promise<{ results: LineResult[]; output: string }> {
  const statusFile = path.join(await tempDir("ocre-flow-status-"), "status");
  const script: string[] = [];
  const ran: { n: number; text: string }[] = [];
  for (const line of block.lines) {
    if (skip(line.text)) continue;
    let text = line.text;
    for (const [file, from, to] of REWRITES) if (file === readme) text = text.split(from).join(to(ctx));
    ran.push({ n: line.n, text });
    script.push(`echo "\\$ ${text.replace(/["\\$`]/g, "\\$&")}"`, text, `echo "${line.n} $?" >> "${statusFile}"`);
  }
  // Its own process group, so that a step that never ends (an app that runs forever) is
  // killed with everything it started, and the block fails instead of hanging the suite.
  const child = execa("bash", ["-c", script.join("\n")], {
    cwd,
    env: { ...ctx.npmEnv, NO_COLOR: "1" },
    all: true,
    reject: false,
    stdin: "ignore",
    detached: true,
    timeout: BLOCK_TIMEOUT_MS,
  });
  const run = await child;
  if (run.timedOut) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  const statuses = new Map(
    (await readFile(statusFile, "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ").map(Number) as [number, number]),
  );
  return {
    results: ran.map((l) => ({ n: l.n, text: l.text, exitCode: statuses.get(l.n) ?? -1 })),
    output: String(run.all),
  };
}

/** Each line's exit code against the expected one (0 unless EXPECTED_EXIT says otherwise). */
function expectExits(results: LineResult[], label: string, output: string): void {
  const expected = (text: string) =>
    EXPECTED_EXIT.find(([file, t]) => file === label && text.trim().startsWith(t))?.[2] ?? 0;
  const got = results.map((r) => `${r.n}: ${r.text.trim()} -> ${r.exitCode}`);
  const want = results.map((r) => `${r.n}: ${r.text.trim()} -> ${expected(r.text)}`);
  if (got.join("\n") !== want.join("\n")) console.error(output);
  expect(got).toEqual(want);
}

/** Every string in a JSON document, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

/**
 * report.json and the build cache name no directory of this machine: no absolute path, and no
 * relative one that leads out of `root` (the app's folder; ocre's own files are "ocre:<path>").
 */
async function expectNoMachinePaths(buildDir: string, root: string): Promise<void> {
  const outside = (s: string) => s.startsWith("../") && path.relative(root, path.resolve(buildDir, s)).startsWith("..");
  for (const file of ["report.json", ".ocre-cache.json"]) {
    const doc = JSON.parse(await readFile(path.join(buildDir, file), "utf8")) as unknown;
    const paths = strings(doc).filter((s) => path.isAbsolute(s) || outside(s) || s.includes(repoRoot.slice(1)));
    expect({ file, paths }).toEqual({ file, paths: [] });
  }
}

async function imageAnnotations(buildDir: string): Promise<Record<string, string>> {
  const oci = path.join(buildDir, "oci");
  const index = JSON.parse(await readFile(path.join(oci, "index.json"), "utf8")) as {
    manifests: { digest: string }[];
  };
  const digest = index.manifests[0]!.digest.replace(":", "/");
  const manifest = JSON.parse(await readFile(path.join(oci, "blobs", digest), "utf8")) as {
    annotations?: Record<string, string>;
  };
  return manifest.annotations ?? {};
}

/**
 * A clone of this repository as the README's quick start assumes it: a git checkout whose
 * package.json declares the `ocre` bin, installed (links to this checkout's files).
 */
async function fakeClone(): Promise<string> {
  const clone = path.join(await tempDir("ocre-flow-clone-"), "ocre");
  await mkdir(clone);
  for (const entry of await readdir(repoRoot)) {
    if (entry === ".git" || entry === "build" || entry === "my-app") continue;
    await symlink(path.join(repoRoot, entry), path.join(clone, entry));
  }
  const git = (...args: string[]) => execa("git", args, { cwd: clone });
  await git("init", "-q");
  await git("add", "package.json");
  await git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "clone");
  return clone;
}

const readmeText = await readFile(path.join(repoRoot, "README.md"), "utf8");
const readmeBlocks = shellBlocks(readmeText, "README.md");

describe("README flows", () => {
  const requests: string[] = [];
  let npmRegistry: http.Server;
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
  const ctx: Context = { registryHost: "", npmEnv: {} };

  beforeAll(async () => {
    npmRegistry = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    });
    await new Promise<void>((resolve) => npmRegistry.listen(0, "127.0.0.1", resolve));
    const npmCache = await tempDir("ocre-flow-npm-cache-");
    ctx.npmEnv = {
      npm_config_registry: `http://127.0.0.1:${(npmRegistry.address() as AddressInfo).port}/`,
      npm_config_cache: npmCache,
      npm_config_fetch_retries: "0",
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      // `npm install` of a file: dependency runs the linked package's `prepare` (tsc), which
      // would rewrite this checkout's dist/ under the test files running beside this one.
      npm_config_ignore_scripts: "true",
    };
    if (hasTool("docker-registry")) {
      registry = await startRegistry();
      ctx.registryHost = registry.host;
    }
  });

  afterAll(async () => {
    await registry?.stop();
    await new Promise((resolve) => npmRegistry.close(resolve));
  });

  it("lists only texts that are still in the READMEs (no stale rewrite or skip)", async () => {
    const templateReadme = async (t: string) =>
      readFile(path.join(repoRoot, "templates/app", t, "README.md.hbs"), "utf8");
    for (const text of Object.keys(README_BLOCKS_NOT_RUN)) expect(readmeText).toContain(text);
    for (const [file, text] of REWRITES)
      expect(file === "README.md" ? readmeText : await templateReadme(file)).toContain(text);
    for (const [t, text] of [...NEEDS_ZEPHYR, ...EXPECTED_EXIT]) expect(await templateReadme(t)).toContain(text);
    // Every README block is either run below or skipped with a reason.
    expect(readmeBlocks.length).toBeGreaterThanOrEqual(2 + Object.keys(README_BLOCKS_NOT_RUN).length);
  });

  const notRun = (block: Block) =>
    Object.keys(README_BLOCKS_NOT_RUN).find((t) => block.lines.some((l) => `${l.text} `.includes(t)));

  for (const block of readmeBlocks) {
    const skipped = notRun(block);
    const first = block.lines[0]?.text ?? "";
    const needsRegistry = block.lines.some((l) => l.text.includes("push"));
    const title = `${block.where} \`${first.trim()}\`…${skipped ? ` (not run: ${README_BLOCKS_NOT_RUN[skipped]})` : ""}`;
    it.skipIf(skipped !== undefined || (needsRegistry && missingTools("docker-registry", "skopeo")))(
      title,
      async () => {
        const clone = await fakeClone();
        const { results, output } = await runBlock(block, "README.md", clone, ctx, () => false);
        expectExits(results, "README.md", output);
        const app = path.join(clone, "my-app");
        const build = path.join(app, "build");
        const name = "my-app";
        // The outputs the README promises.
        for (const out of [`${name}.wasm`, "report.json", "oci/index.json", "mps2-an521/west.yml"])
          expect((await stat(path.join(build, out))).isFile()).toBe(true);
        await expectNoMachinePaths(build, app);
        // The app sits inside a git checkout (the clone) that does not track it: the image
        // takes no provenance from that checkout.
        const annotations = await imageAnnotations(build);
        expect(Object.keys(annotations).filter((k) => /revision|source|authors/.test(k))).toEqual([]);
        if (block.lines.some((l) => l.text.includes("--board nrf52840dk"))) {
          expect((await stat(path.join(build, "nrf52840dk/west.yml"))).isFile()).toBe(true);
          expect(output).toContain("blinky: toggling led0");
          expect(output).toMatch(/\[10\.000s\] led0 \(0\.0\) = 0/);
          // The pushed image is in the registry, under the README's repository and tag.
          const inspect = await execa("skopeo", [
            "inspect",
            "--tls-verify=false",
            "--raw",
            `docker://${ctx.registryHost}/me/my-app:1.0.0`,
          ]);
          expect(JSON.parse(String(inspect.stdout))).toMatchObject({ mediaType: expect.stringContaining("manifest") });
        }
      },
      600_000,
    );
  }

  for (const template of APP_TEMPLATE_NAMES) {
    describe(`the ${template} template's README`, () => {
      let app = "";
      let blocks: Block[] = [];
      const firmwareLines = NEEDS_ZEPHYR.filter(([t]) => t === template).map(([, text]) => text);

      it("runs as typed in a fresh app outside the checkout", async () => {
        app = path.join(await tempDir(`ocre-flow-${template}-`), `${template}-app`);
        const made = await execa(process.execPath, [cliPath, "new", app, "--template", template], { reject: false });
        expect(made.exitCode).toBe(0);
        blocks = shellBlocks(await readFile(path.join(app, "README.md"), "utf8"), `${template}/README.md`);
        expect(blocks.length).toBeGreaterThan(0);
        for (const block of blocks) {
          const { results, output } = await runBlock(block, template, app, ctx, (text) =>
            firmwareLines.some((f) => text.includes(f)),
          );
          expectExits(results, template, output);
          expect(output).not.toMatch(/npm (error|ERR!) (code E404|404)/);
        }
        // Every app's build folder: where a cache entry was written.
        const builds = (await readdir(app, { recursive: true })).filter(
          (p) => path.basename(p) === ".ocre-cache.json" && !p.split(path.sep).includes("node_modules"),
        );
        expect(builds.length).toBe(["pubsub", "health"].includes(template) ? 2 : 1);
        for (const cache of builds) await expectNoMachinePaths(path.join(app, path.dirname(cache)), app);
        // After the README's `npm install`, the app's editor config resolves outside the
        // checkout (no TS6053) and the app type-checks.
        if (await stat(path.join(app, "tsconfig.json")).catch(() => undefined)) {
          const tsc = await execa(
            process.execPath,
            [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmit"],
            { cwd: app, reject: false, all: true },
          );
          expect(String(tsc.all)).toBe("");
        }
      }, 600_000);

      for (const line of firmwareLines) {
        it.skipIf(!zephyrTree)(
          `\`${line}\` (needs a Zephyr tree: set ZEPHYR_BASE to run it)`,
          async () => {
            const block: Block = { where: template, lines: [{ n: 0, text: line }] };
            const { results, output } = await runBlock(block, template, app, ctx, () => false);
            expectExits(results, template, output);
          },
          3_600_000,
        );
      }
    });
  }

  it("an app's npm scripts never ask the npm registry for ocre, even before npm install", async () => {
    const app = path.join(await tempDir("ocre-flow-noinstall-"), "app");
    await execa(process.execPath, [cliPath, "new", app]);
    const run = await execa("npm", ["run", "build"], { cwd: app, env: ctx.npmEnv, reject: false, all: true });
    expect(run.exitCode).not.toBe(0);
    expect(String(run.all)).toMatch(/ocre: (not found|command not found)/);
    // Nothing in any flow above reached the registry either.
    expect(requests).toEqual([]);
  });
});
