import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath, repoRoot, runOcre, tempDir } from "./helpers/cli.js";

/**
 * The build plan (cli/config/plan.ts) and staged outputs (cli/pipeline/outputs.ts) as a user
 * meets them: a board file in the app's boards/ or a --board-root is part of the cache key and of
 * every stage, and a build that fails or is interrupted leaves the previous outputs whole.
 */

const fixture = path.join(repoRoot, "test/fixtures/pipeline/blinky");
const builtinBoard = path.join(repoRoot, "boards/mps2-an521.yaml");

async function appWithBoards(): Promise<string> {
  const dir = path.join(await tempDir("ocre-plan-"), "app");
  await cp(fixture, dir, { recursive: true });
  return dir;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Every file under build/ with its sha256, except the CMake caches. */
async function snapshot(buildDir: string): Promise<Record<string, string>> {
  const entries = await readdir(buildDir, { recursive: true, withFileTypes: true });
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = path.relative(buildDir, path.join(e.parentPath, e.name));
    out[rel] = sha256(await readFile(path.join(buildDir, rel)));
  }
  return out;
}

/** Staging folders, replaced-entry folders and atomic-write temp files anywhere under build/. */
async function leftovers(buildDir: string): Promise<string[]> {
  const entries = await readdir(buildDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .map((e) => path.relative(buildDir, path.join(e.parentPath, e.name)))
    .filter((rel) => /(^|\/)(\.ocre-stage|\.ocre-old)(\/|$)|\.tmp-/.test(rel));
}

interface Report {
  app: { sha256: string; version: string; wasm: string };
  image: { digest: string };
  boards?: Record<string, { dir: string; budget: { fits: boolean } }>;
}

/** The outputs agree with each other: report ↔ wasm ↔ OCI index ↔ embedded container. */
async function expectConsistent(buildDir: string): Promise<Report> {
  const report = JSON.parse(await readFile(path.join(buildDir, "report.json"), "utf8")) as Report;
  expect(sha256(await readFile(path.join(buildDir, report.app.wasm)))).toBe(report.app.sha256);
  const index = JSON.parse(await readFile(path.join(buildDir, "oci/index.json"), "utf8")) as {
    manifests: { digest: string }[];
  };
  expect(index.manifests.map((m) => m.digest)).toEqual([report.image.digest]);
  for (const board of Object.values(report.boards ?? {})) {
    const embedded = await readFile(path.join(buildDir, board.dir, "containers/app0.wasm"));
    expect(sha256(embedded)).toBe(report.app.sha256);
    const project = JSON.parse(await readFile(path.join(buildDir, board.dir, "ocre-project.json"), "utf8")) as {
      containers: { digest: string }[];
    };
    expect(project.containers[0]!.digest).toBe(`sha256:${report.app.sha256}`);
  }
  return report;
}

describe("build plan: board files are inputs", () => {
  let app: string;
  let board: string;

  beforeAll(async () => {
    app = await appWithBoards();
    board = path.join(app, "boards/mps2-an521.yaml");
    await cp(builtinBoard, board);
  });

  it("editing the app's board file invalidates the cache; a lowered ramKb fails the budget and leaves build/ as it was", async () => {
    const first = await runOcre(["build", "--board", "mps2-an521", "--json"], { cwd: app });
    expect(first.exitCode, first.stderr).toBe(0);
    const again = await runOcre(["build", "--board", "mps2-an521", "--json"], { cwd: app });
    expect(JSON.parse(again.stdout).apps[0].cached).toBe(true);

    // A kconfig line changes the generated project: the build must run again.
    const text = await readFile(board, "utf8");
    const withKconfig = text.replace(/^kconfig: \[\]$/m, "kconfig: [CONFIG_OCRE_PLAN_TEST=y]");
    expect(withKconfig).not.toBe(text);
    await writeFile(board, withKconfig);
    const edited = await runOcre(["build", "--board", "mps2-an521", "--json"], { cwd: app });
    expect(edited.exitCode, edited.stderr).toBe(0);
    expect(JSON.parse(edited.stdout).apps[0].cached).toBe(false);
    expect(await readFile(path.join(app, "build/mps2-an521/boards/mps2_an521_cpu0.conf"), "utf8")).toContain(
      "CONFIG_OCRE_PLAN_TEST=y",
    );

    // 64 KB of RAM cannot hold the runtime and the container: the budget check runs and fails.
    const before = await snapshot(path.join(app, "build"));
    await writeFile(board, withKconfig.replace(/ramKb: \d+/, "ramKb: 64"));
    const small = await runOcre(["build", "--board", "mps2-an521"], { cwd: app });
    expect(small.exitCode, small.stderr).toBe(1);
    expect(small.stderr).toContain("OCRE_BUDGET");
    expect(await snapshot(path.join(app, "build"))).toEqual(before);
    expect(await leftovers(path.join(app, "build"))).toEqual([]);
  });

  it("a board added to the app's boards/ that overrides a built-in one invalidates the cache", async () => {
    const dir = await appWithBoards();
    const first = await runOcre(["build", "--board", "qemu_riscv32", "--json"], { cwd: dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const override = (await readFile(path.join(repoRoot, "boards/qemu_riscv32.yaml"), "utf8")).replace(
      /^name: .*$/m,
      "name: My RISC-V",
    );
    await mkdir(path.join(dir, "boards"), { recursive: true });
    await writeFile(path.join(dir, "boards/qemu_riscv32.yaml"), override);
    const second = await runOcre(["build", "--board", "qemu_riscv32", "--json"], { cwd: dir });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).apps[0].cached).toBe(false);
  });

  it("--board-root boards build: generation, the image annotation and the cache all see the root", async () => {
    const dir = await appWithBoards();
    const root = path.join(path.dirname(dir), "more-boards");
    await cp(builtinBoard, path.join(root, "myboard.yaml"));
    const yaml = (await readFile(path.join(root, "myboard.yaml"), "utf8")).replace(/^id: .*$/m, "id: myboard");
    await writeFile(path.join(root, "myboard.yaml"), yaml);

    const run = await runOcre(["build", "--board-root", root, "--board", "myboard", "--json"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = await expectConsistent(path.join(dir, "build"));
    expect(Object.keys(report.boards ?? {})).toEqual(["myboard"]);
    const manifest = JSON.parse(
      await readFile(path.join(dir, "build/oci/blobs/sha256", report.image.digest.slice(7)), "utf8"),
    ) as { annotations: Record<string, string> };
    expect(manifest.annotations["io.ocre.boards"]).toBe("myboard");

    await writeFile(path.join(root, "myboard.yaml"), yaml.replace(/ramKb: \d+/, "ramKb: 64"));
    const small = await runOcre(["build", "--board-root", root, "--board", "myboard"], { cwd: dir });
    expect(small.exitCode).toBe(1);
    expect(small.stderr).toContain("OCRE_BUDGET");
  });

  it("--allow-over-budget generates past the estimate; --rebuild ignores the cache; --force is both, with a warning", async () => {
    const dir = await appWithBoards();
    await cp(builtinBoard, path.join(dir, "boards/mps2-an521.yaml"));
    const yaml = await readFile(path.join(dir, "boards/mps2-an521.yaml"), "utf8");
    await writeFile(path.join(dir, "boards/mps2-an521.yaml"), yaml.replace(/ramKb: \d+/, "ramKb: 64"));
    const over = await runOcre(["build", "--board", "mps2-an521", "--allow-over-budget", "--json"], { cwd: dir });
    expect(over.exitCode, over.stderr).toBe(0);
    expect(JSON.parse(over.stdout).boards["mps2-an521"].forced).toBe(true);
    const cached = await runOcre(["build", "--board", "mps2-an521", "--allow-over-budget", "--json"], { cwd: dir });
    expect(JSON.parse(cached.stdout).apps[0].cached).toBe(true);
    const rebuilt = await runOcre(["build", "--board", "mps2-an521", "--allow-over-budget", "--rebuild", "--json"], {
      cwd: dir,
    });
    expect(JSON.parse(rebuilt.stdout).apps[0].cached).toBe(false);
    const forced = await runOcre(["build", "--board", "mps2-an521", "--force", "--json"], { cwd: dir });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).apps[0].cached).toBe(false);
    expect(forced.stderr).toMatch(/--force is deprecated/);
  });

  it("the cache entry and report.json hold no absolute paths", async () => {
    const dir = await appWithBoards();
    const run = await runOcre(["build", "--board", "mps2-an521"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    const strings = (value: unknown): string[] =>
      typeof value === "string"
        ? [value]
        : typeof value === "object" && value !== null
          ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
          : [];
    for (const file of ["report.json", ".ocre-cache.json"]) {
      const text = await readFile(path.join(dir, "build", file), "utf8");
      expect(text, file).not.toContain(dir);
      expect(
        strings(JSON.parse(text)).filter((s) => path.isAbsolute(s)),
        file,
      ).toEqual([]);
    }
  });
});

describe("staged outputs: interrupted builds", () => {
  /** Alternates the manifest version, so consecutive builds differ in every output. */
  async function bump(dir: string, n: number): Promise<void> {
    const manifest = path.join(dir, "ocre.yaml");
    await writeFile(manifest, (await readFile(manifest, "utf8")).replace(/^version: .*$/m, `version: 1.0.${n}`));
  }

  async function interrupt(dir: string, signal: "SIGINT" | "SIGKILL", afterMs: number): Promise<void> {
    const child = execa(process.execPath, [cliPath, "build", "--board", "mps2-an521", "--board", "qemu_riscv32"], {
      cwd: dir,
      env: { NO_COLOR: "1" },
      reject: false,
      stdin: "ignore",
    });
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    child.kill(signal);
    await child;
  }

  it("Ctrl-C at random moments leaves whole outputs (old or new, never mixed) and no temp folders", async () => {
    const dir = await appWithBoards();
    expect((await runOcre(["build", "--board", "mps2-an521", "--board", "qemu_riscv32"], { cwd: dir })).exitCode).toBe(
      0,
    );
    // Delays spread over a build (about 1–3 s here), from before compiling to after committing.
    for (const [i, ms] of [50, 300, 600, 900, 1200, 1500, 1900, 2400, 3000, 4000].entries()) {
      await bump(dir, i + 1);
      await interrupt(dir, "SIGINT", ms);
      await expectConsistent(path.join(dir, "build"));
      expect(await leftovers(path.join(dir, "build")), `after ${ms} ms`).toEqual([]);
    }
  }, 180_000);

  it("a killed build (SIGKILL) is recovered by the next build: whole outputs, no temp folders", async () => {
    const dir = await appWithBoards();
    expect((await runOcre(["build", "--board", "mps2-an521", "--board", "qemu_riscv32"], { cwd: dir })).exitCode).toBe(
      0,
    );
    for (const [i, ms] of [400, 1100, 1700, 2300].entries()) {
      await bump(dir, i + 1);
      await interrupt(dir, "SIGKILL", ms);
      const next = await runOcre(["build", "--board", "mps2-an521", "--board", "qemu_riscv32", "--json"], { cwd: dir });
      expect(next.exitCode, next.stderr).toBe(0);
      const report = await expectConsistent(path.join(dir, "build"));
      expect(report.app.version).toBe(`1.0.${i + 1}`);
      expect(await leftovers(path.join(dir, "build"))).toEqual([]);
    }
  }, 180_000);
});
