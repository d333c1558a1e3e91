import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cliPath, runOcre, tempDir } from "./helpers/cli.js";

// `ocre build --watch` and `ocre run --watch` as a user runs them: the real CLI in a child
// process, edits made to the files on disk, the new build/<name>.wasm (and what it prints when
// run) observed, then Ctrl-C (SIGINT).

interface Watching {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function start(args: string[], cwd: string): Watching {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const w: Watching = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
  };
  child.stdout!.on("data", (d: Buffer) => (w.stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (w.stderr += d.toString()));
  return w;
}

async function until(what: string, check: () => boolean | Promise<boolean>, w: Watching, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    if (w.child.exitCode !== null)
      throw new Error(`ocre exited (${w.child.exitCode}) waiting for ${what}\n${w.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}\nstdout:\n${w.stdout}\nstderr:\n${w.stderr}`);
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

async function scaffold(template: string): Promise<{ dir: string; wasm: string }> {
  const dir = path.join(await tempDir("ocre-watch-"), "app");
  const made = await runOcre(["new", dir, "--template", template]);
  expect(made.exitCode).toBe(0);
  return { dir, wasm: path.join(dir, "build", "app.wasm") };
}

async function bytesOf(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch(() => undefined);
}

/** Waits for build/app.wasm to hold bytes other than `before` (a new build committed). */
async function newWasm(file: string, before: Buffer | undefined, w: Watching): Promise<Buffer> {
  let now: Buffer | undefined;
  await until(
    `new bytes in ${file}`,
    async () => {
      now = await bytesOf(file);
      return now !== undefined && (before === undefined || !now.equals(before));
    },
    w,
  );
  return now!;
}

/** What the built container prints, run by `ocre run` (not by the watching process). */
async function printed(wasm: string): Promise<string> {
  const run = await runOcre(["run", wasm, "--virtual-time"]);
  expect(run.exitCode).toBe(0);
  return run.stdout;
}

function leftovers(buildDir: string): string[] {
  return [".ocre-stage", ".ocre-old"].filter((d) => existsSync(path.join(buildDir, d)));
}

describe("ocre build --watch", () => {
  it("rebuilds on edits to the entry, an imported file and ocre.yaml; survives a compile error; Ctrl-C exits 0", async () => {
    const { dir, wasm } = await scaffold("hello");
    const index = path.join(dir, "assembly/index.ts");
    await writeFile(path.join(dir, "assembly/greeting.ts"), `export const GREETING = "one";\n`);
    await writeFile(
      index,
      `import { console } from "ocre";\nimport { GREETING } from "./greeting";\nconsole.log(GREETING);\n`,
    );
    const w = start(["build", "--watch"], dir);
    const first = await newWasm(wasm, undefined, w);
    await until("the watching line", () => w.stderr.includes("watching for changes"), w);
    expect(await printed(wasm)).toBe("one");

    // The imported file, not the entry: only the compiler's reads say it is an input.
    await writeFile(path.join(dir, "assembly/greeting.ts"), `export const GREETING = "two";\n`);
    const second = await newWasm(wasm, first, w);
    expect(await printed(wasm)).toBe("two");
    expect(w.stderr).toContain("changed: assembly/greeting.ts; rebuilding");

    // A compile error is printed; the outputs stay; the watch goes on.
    await writeFile(index, `import { console } from "ocre";\nconsole.log(GREETING;\n`);
    await until("the compile error", () => w.stderr.includes("error OCRE_COMPILE"), w);
    await until("watching after the error", () => count(w.stderr, "watching for changes") >= 3, w);
    expect(await bytesOf(wasm)).toEqual(second);
    expect(w.child.exitCode).toBeNull();

    await writeFile(index, `import { console } from "ocre";\nconsole.log("three");\n`);
    const third = await newWasm(wasm, second, w);
    expect(await printed(wasm)).toBe("three");

    // ocre.yaml is an input too: the speed profile shows in the report.
    const manifest = path.join(dir, "ocre.yaml");
    await writeFile(manifest, (await readFile(manifest, "utf8")).replace("optimize: size", "optimize: speed"));
    await until(
      "a speed build",
      async () =>
        (await readFile(path.join(dir, "build/report.json"), "utf8").catch(() => "")).includes('"profile": "speed"'),
      w,
    );
    expect(w.stderr).toContain("changed: ocre.yaml; rebuilding");

    w.child.kill("SIGINT");
    expect(await w.exited).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir, "build/report.json"), "utf8")) as {
      app: { sha256: string };
    };
    const last = (await bytesOf(wasm))!;
    expect(report.app.sha256).toBe(sha256(last));
    expect(last.equals(third)).toBe(false);
    expect(leftovers(path.join(dir, "build"))).toEqual([]);
  });

  it("Ctrl-C during a rebuild leaves the previous outputs whole and exits 0", async () => {
    const { dir, wasm } = await scaffold("hello");
    const w = start(["build", "--watch"], dir);
    const first = await newWasm(wasm, undefined, w);
    await until("the watching line", () => w.stderr.includes("watching for changes"), w);
    const report = await readFile(path.join(dir, "build/report.json"));
    await writeFile(path.join(dir, "assembly/index.ts"), `import { console } from "ocre";\nconsole.log("edited");\n`);
    await until("the rebuild to start", () => w.stderr.includes("rebuilding"), w);
    w.child.kill("SIGINT");
    expect(await w.exited).toBe(0);
    expect(await bytesOf(wasm)).toEqual(first);
    expect(await readFile(path.join(dir, "build/report.json"))).toEqual(report);
    expect(leftovers(path.join(dir, "build"))).toEqual([]);
  });

  it("refuses --watch with --from-image (nothing to watch)", async () => {
    const dir = await tempDir("ocre-watch-");
    const run = await runOcre(["build", "--watch", "--from-image", "app:1.0", "--board", "mps2-an521"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_USAGE: --watch rebuilds apps from their sources");
  });
});

describe("ocre run --watch", () => {
  it("reruns the app after an edit and exits 0 on Ctrl-C", async () => {
    const { dir } = await scaffold("hello");
    const index = path.join(dir, "assembly/index.ts");
    await writeFile(index, `import { console } from "ocre";\nconsole.log("first run");\n`);
    const w = start(["run", "--watch"], dir);
    await until("the first run", () => w.stdout.includes("first run") && w.stderr.includes("watching for changes"), w);
    await writeFile(index, `import { console } from "ocre";\nconsole.log("second run");\n`);
    await until("the second run", () => w.stdout.includes("second run"), w);
    w.child.kill("SIGINT");
    expect(await w.exited).toBe(0);
    expect(w.stdout).toBe("first run\nsecond run\n");
  });
});
