import { describe, expect, it } from "vitest";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";

/** Everything under `dir`, relative, sorted (dot files included). */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe("ocre new", () => {
  it("scaffolds an app named after its directory and reports the files with --json", async () => {
    const parent = await tempDir();
    const run = await runOcre(["new", "Blinky Board!", "--template", "blinky", "--json"], { cwd: parent });
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout) as {
      ok: boolean;
      name: string;
      template: string;
      dir: string;
      files: string[];
    };
    const dir = path.join(parent, "Blinky Board!");
    expect(result).toMatchObject({ ok: true, name: "blinky-board", template: "blinky", dir });
    expect(result.files).toEqual([
      ".gitignore",
      "README.md",
      "assembly/index.ts",
      "ocre.yaml",
      "package.json",
      "tsconfig.json",
    ]);
    expect(await tree(dir)).toEqual(result.files);

    const manifest = await readFile(path.join(dir, "ocre.yaml"), "utf8");
    expect(manifest).toMatch(/^name: blinky-board$/m);
    expect(manifest).toMatch(/^ {2}repository: blinky-board$/m);
    const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
      name: string;
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.name).toBe("blinky-board");
    expect(Object.keys(pkg.dependencies)).toEqual(["ocre"]);
    // ocre runs from this git checkout (not from node_modules), so `npm install` must link it,
    // by a path relative to the app (the app records no directory of this machine).
    expect(pkg.dependencies.ocre).toBe(`file:${path.relative(dir, repoRoot).split(path.sep).join("/")}`);
    expect(pkg.dependencies.ocre).not.toMatch(/^file:\//);
    expect(path.resolve(dir, pkg.dependencies.ocre!.slice("file:".length))).toBe(repoRoot);
    // Every command of the "Next:" text is an npm script of the app, after a required npm install.
    expect(pkg.scripts).toMatchObject({ build: "ocre build", sim: "ocre run .", ocre: "ocre" });
    expect(manifest).toMatch(/^boards: \[mps2-an521\]$/m);
    expect(await readFile(path.join(dir, "README.md"), "utf8")).toContain("# blinky-board");
    expect((await readFile(path.join(dir, ".gitignore"), "utf8")).split("\n")).toEqual(
      expect.arrayContaining(["build/", "node_modules/"]),
    );
    expect(await readFile(path.join(dir, "assembly/index.ts"), "utf8")).toContain('from "ocre"');
  });

  it("names the pubsub pair's containers after the app", async () => {
    const parent = await tempDir();
    const run = await runOcre(["new", "demo", "-t", "pubsub", "--name", "plant"], { cwd: parent });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("Created plant from the pubsub template");
    const dir = path.join(parent, "demo");
    expect(await readFile(path.join(dir, "publisher/ocre.yaml"), "utf8")).toMatch(/^name: plant-publisher$/m);
    expect(await readFile(path.join(dir, "subscriber/ocre.yaml"), "utf8")).toMatch(/^name: plant-subscriber$/m);
    expect(await readFile(path.join(dir, "README.md"), "utf8")).toContain("# plant");
    // The folder's own package.json runs both apps, in the order the README gives.
    const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.scripts).toMatchObject({
      build: "ocre build subscriber publisher",
      sim: "ocre run subscriber publisher",
    });
    expect(pkg.dependencies.ocre).toBe(`file:${path.relative(dir, repoRoot).split(path.sep).join("/")}`);
    const child = JSON.parse(await readFile(path.join(dir, "publisher/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(child.dependencies.ocre).toBe(
      `file:${path.relative(path.join(dir, "publisher"), repoRoot).split(path.sep).join("/")}`,
    );
    expect(run.stdout).toContain(
      [
        "Next:",
        "  cd demo",
        "  npm install        # first: the ocre CLI the scripts run",
        "  npm run build      # ocre build subscriber publisher",
        "  npm run sim        # ocre run subscriber publisher",
      ].join("\n"),
    );
    expect(run.stdout).not.toContain("npx");
  });

  it("fills the current directory when it is empty, keeping the directory itself", async () => {
    const dir = path.join(await tempDir(), "weather-station");
    await mkdir(dir);
    const before = await stat(dir);
    const run = await runOcre(["new", ".", "-t", "sensor"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect((await stat(dir)).ino).toBe(before.ino);
    expect(await readFile(path.join(dir, "ocre.yaml"), "utf8")).toMatch(/^name: weather-station$/m);
    expect(run.stdout).not.toContain("cd ");
  });

  it("refuses a non-empty directory without --force, writing nothing", async () => {
    const parent = await tempDir();
    const dir = path.join(parent, "app");
    await mkdir(dir);
    await writeFile(path.join(dir, "notes.txt"), "mine");
    const run = await runOcre(["new", "app", "-t", "hello"], { cwd: parent });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_DIR_NOT_EMPTY");
    expect(run.stderr).toContain("is not empty");
    expect(run.stderr).toMatch(/hint: .*--force/);
    expect(await tree(parent)).toEqual(["app/notes.txt"]);
  });

  it("adds the template's files to a non-empty directory with --force, keeping the rest", async () => {
    const parent = await tempDir();
    const dir = path.join(parent, "app");
    await mkdir(dir);
    await writeFile(path.join(dir, "notes.txt"), "mine");
    await writeFile(path.join(dir, "README.md"), "old");
    const run = await runOcre(["new", "app", "--force"], { cwd: parent });
    expect(run.exitCode).toBe(0);
    expect(await readFile(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(await readFile(path.join(dir, "README.md"), "utf8")).toContain("# app");
    expect(await tree(parent)).toContain("app/ocre.yaml");
    expect((await readdir(parent)).sort()).toEqual(["app"]);
  });

  it("rejects an unknown template with the closest names and the list", async () => {
    const parent = await tempDir();
    const run = await runOcre(["new", "x", "--template", "blinki"], { cwd: parent });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('error OCRE_TEMPLATE_UNKNOWN: no template "blinki"; did you mean blinky?');
    expect(run.stderr).toContain("hint: templates: hello, blinky, sensor, pubsub, health");
    expect(await readdir(parent)).toEqual([]);
  });

  it("rejects an invalid --name and suggests a valid one, writing nothing", async () => {
    const parent = await tempDir();
    const run = await runOcre(["new", "x", "--name", "My App", "--json"], { cwd: parent });
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: "OCRE_NAME_INVALID" } });
    expect(run.stderr).toContain("--name my-app");
    expect(await readdir(parent)).toEqual([]);
  });

  it("shows examples and the templates in --help", async () => {
    const run = await runOcre(["new", "--help"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("ocre new blinky --template blinky");
    expect(run.stdout).toMatch(/pubsub\s+a publisher and a subscriber container/);
  });
});
