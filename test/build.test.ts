import { beforeAll, describe, expect, it } from "vitest";
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import path from "node:path";
import { runOcre, repoRoot, tempDir, type CliRun } from "./helpers/cli.js";
import { withoutTimings, type BuildReport } from "../cli/report.js";

const fixtures = path.join(repoRoot, "test/fixtures/pipeline");

/** A copy of a fixture app in a temp dir, with files replaced or added. */
async function appFrom(fixture: string, files: Record<string, string> = {}): Promise<string> {
  const dir = path.join(await tempDir("ocre-build-"), fixture);
  await cp(path.join(fixtures, fixture), dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** A failed build: exit 1, the message on stderr, and no build/ directory at all. */
async function expectFailure(dir: string, run: CliRun, message: RegExp): Promise<void> {
  expect(run.exitCode, run.stderr).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(await exists(path.join(dir, "build"))).toBe(false);
}

describe("ocre build", () => {
  let blinky: string;
  let first: CliRun;
  let report: BuildReport;
  let wasm: Buffer;

  beforeAll(async () => {
    blinky = await appFrom("blinky");
    first = await runOcre(["build", blinky, "--json"]);
    report = JSON.parse(await readFile(path.join(blinky, "build/report.json"), "utf8")) as BuildReport;
    wasm = await readFile(path.join(blinky, "build/blinky-fixture.wasm"));
  });

  it("writes build/<name>.wasm, report.json and a cache entry, and no temp files", async () => {
    expect(first.exitCode, first.stderr).toBe(0);
    const files = await readdir(path.join(blinky, "build"));
    expect(files).toEqual(expect.arrayContaining([".ocre-cache.json", "blinky-fixture.wasm", "report.json"]));
    expect(files.filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect([...wasm.subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
  });

  it("prints one JSON document on stdout with --json", () => {
    const doc = JSON.parse(first.stdout) as {
      ok: boolean;
      apps: { name: string; cached: boolean; sizeBytes: number; stages: Record<string, { status: string }> }[];
    };
    expect(doc.ok).toBe(true);
    expect(doc.apps).toHaveLength(1);
    expect(doc.apps[0]).toMatchObject({ name: "blinky-fixture", cached: false, sizeBytes: wasm.length });
    expect(Object.values(doc.apps[0]!.stages).map((s) => s.status)).toEqual(["ran", "ran", "ran", "ran"]);
  });

  it("reports sizes per stage, imports, exports, memory and features", () => {
    expect(report.schemaVersion).toBe(1);
    expect(report.app).toMatchObject({
      name: "blinky-fixture",
      version: "1.0.0",
      wasm: "blinky-fixture.wasm",
      sizeBytes: wasm.length,
      sha256: createHash("sha256").update(wasm).digest("hex"),
      runtime: "stub",
      optimize: "size",
      capabilities: ["timers", "gpio"],
      features: ["core", "timers", "gpio"],
      exports: ["memory", "_start"],
      memory: { initialPages: 1, maxPages: 2, imported: false, stackBytes: 8192, heapBytes: 4096 },
    });
    expect(report.app.imports).toContainEqual({
      module: "env",
      name: "ocre_timer_start",
      signature: "(i32, i32, i32) -> i32",
    });
    expect(report.app.imports.map((i) => i.name).sort()).toEqual(
      [
        "ocre_get_event",
        "ocre_gpio_configure_by_name",
        "ocre_gpio_init",
        "ocre_gpio_toggle_by_name",
        "ocre_sleep",
        "ocre_timer_create",
        "ocre_timer_start",
      ].sort(),
    );
    expect(report.stages.optimise.sizeBytes).toBe(wasm.length);
    expect(Number.isInteger(report.stages.compile.sizeBytes) && report.stages.compile.sizeBytes > 8).toBe(true);
    expect(report.stages.compile.sourceFiles).toBe(1);
    for (const stage of Object.values(report.stages)) expect(stage.timeMs).toBeGreaterThanOrEqual(0);
  });

  it("strips names and producers in release builds", () => {
    const text = wasm.toString("latin1");
    expect(text).not.toContain("producers");
    expect(text).not.toMatch(/\x04name/);
  });

  it("serves an unchanged rebuild from the cache without writing", async () => {
    const before = (await stat(path.join(blinky, "build/blinky-fixture.wasm"))).mtimeMs;
    const again = await runOcre(["build", blinky, "--json"]);
    expect(again.exitCode, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout) as {
      apps: { cached: boolean; sha256: string; stages: Record<string, { status: string }> }[];
    };
    expect(doc.apps[0]!.cached).toBe(true);
    expect(doc.apps[0]!.sha256).toBe(report.app.sha256);
    expect(Object.values(doc.apps[0]!.stages).map((s) => s.status)).toEqual(["cached", "cached", "cached", "cached"]);
    expect((await stat(path.join(blinky, "build/blinky-fixture.wasm"))).mtimeMs).toBe(before);
  });

  it("rebuilds byte-identical output with --force (deterministic)", async () => {
    const again = await runOcre(["build", blinky, "--force", "--json"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).apps[0].cached).toBe(false);
    expect(await readFile(path.join(blinky, "build/blinky-fixture.wasm"))).toEqual(wasm);
    const second = JSON.parse(await readFile(path.join(blinky, "build/report.json"), "utf8")) as BuildReport;
    expect(withoutTimings(second)).toEqual(withoutTimings(report));
  });

  it("does not serve a different command line from the cache", async () => {
    const dir = await appFrom("hello");
    expect((await runOcre(["build", dir])).exitCode).toBe(0);
    const speed = await runOcre(["build", dir, "--optimize", "speed", "--json"]);
    expect(speed.exitCode, speed.stderr).toBe(0);
    expect(JSON.parse(speed.stdout).apps[0].cached).toBe(false);
    expect(JSON.parse(await readFile(path.join(dir, "build/report.json"), "utf8")).app.optimize).toBe("speed");
  });

  it("rebuilds when an output of a later stage is gone, and restores it", async () => {
    const dir = await appFrom("hello");
    expect((await runOcre(["build", dir])).exitCode).toBe(0);
    await rm(path.join(dir, "build/oci"), { recursive: true });
    const again = await runOcre(["build", dir, "--json"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).apps[0].cached).toBe(false);
    expect(JSON.parse(await readFile(path.join(dir, "build/oci/index.json"), "utf8")).manifests).toHaveLength(1);
  });

  it("rebuilds when a source changes", async () => {
    const dir = await appFrom("hello");
    expect((await runOcre(["build", dir])).exitCode).toBe(0);
    const entry = path.join(dir, "assembly/index.ts");
    await writeFile(entry, (await readFile(entry, "utf8")).replace("104, 101", "72, 101"));
    const again = await runOcre(["build", dir, "--json"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).apps[0].cached).toBe(false);
  });

  it("warns when an import's feature is not granted by the capabilities", async () => {
    const dir = await appFrom("blinky", { "ocre.yaml": "name: nocaps\nversion: 1.0.0\ncapabilities: [timers]\n" });
    const run = await runOcre(["build", dir]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning .*ocre_gpio_init.*"gpio" capability.*-EPERM/);
    const again = await runOcre(["build", dir]);
    expect(again.stderr, "a no-op build repeats the warnings").toMatch(/warning .*ocre_gpio_init/);
  });

  it("keeps names with --debug", async () => {
    const dir = await appFrom("hello");
    const run = await runOcre(["build", dir, "--debug"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect((await readFile(path.join(dir, "build/hello-fixture.wasm"))).toString("latin1")).toMatch(/\x04name/);
  });
});

describe("ocre build failures: exit 1, a message, nothing written", () => {
  it("syntax error: file:line:col, the source line and a caret", async () => {
    const dir = await appFrom("hello", { "assembly/index.ts": "let x: i32 = 1;\nlet y = (x + ;\n" });
    const run = await runOcre(["build", dir]);
    await expectFailure(dir, run, /error OCRE_COMPILE: assembly\/index\.ts:2:\d+: /);
    expect(run.stderr).toContain("2 | let y = (x + ;");
    expect(run.stderr).toMatch(/\n\s+\^+\n/);
  });

  it("type error", async () => {
    const dir = await appFrom("hello", { "assembly/index.ts": 'let n: i32 = "text";\n' });
    await expectFailure(
      dir,
      await runOcre(["build", dir]),
      /error OCRE_COMPILE: assembly\/index\.ts:1:14: Type '~lib\/string\/String' is not assignable to type 'i32'/,
    );
  });

  it("unknown import: names it and the closest known one", async () => {
    const dir = await appFrom("hello", {
      "assembly/index.ts": '@external("env", "ocre_slep") declare function sleep(ms: i32): i32;\nsleep(1);\n',
    });
    await expectFailure(
      dir,
      await runOcre(["build", dir]),
      /imports env\.ocre_slep, which no Ocre runtime provides; did you mean env\.ocre_sleep\?/,
    );
  });

  it("wrong import signature: shows both", async () => {
    const dir = await appFrom("hello", {
      "assembly/index.ts": '@external("env", "ocre_sleep") declare function sleep(ms: i64): i32;\nsleep(1);\n',
    });
    await expectFailure(
      dir,
      await runOcre(["build", dir]),
      /imports env\.ocre_sleep with signature \(i64\) -> i32, but the runtime provides \(i32\) -> i32/,
    );
  });

  it("missing manifest: names the path and hints ocre new", async () => {
    const dir = await tempDir("ocre-build-");
    const run = await runOcre(["build", dir]);
    await expectFailure(dir, run, /error OCRE_MANIFEST_MISSING: no ocre\.yaml in /);
    expect(run.stderr).toMatch(/hint: .*ocre new/);
  });

  it("invalid manifest field: names its path and the allowed values", async () => {
    const dir = await appFrom("hello", { "ocre.yaml": "name: hello\nversion: 1.0.0\noptimize: tiny\n" });
    await expectFailure(dir, await runOcre(["build", dir]), /ocre\.yaml:3:11: optimize must be one of "size", "speed"/);
  });

  it("memory over the limit: static data larger than memory.maxPages", async () => {
    const dir = await appFrom("hello", {
      "ocre.yaml": "name: big\nversion: 1.0.0\nmemory: { initialPages: 1, maxPages: 1, heap: 0 }\n",
      "assembly/index.ts": "const big = memory.data(100000);\nstore<u8>(big, 1);\n",
    });
    const run = await runOcre(["build", dir]);
    await expectFailure(dir, run, /requires at least '2' pages/);
    expect(run.stderr).toMatch(/hint: .*memory\.maxPages/);
  });

  it("a failing app stops the whole build before anything is written", async () => {
    const good = await appFrom("hello");
    const bad = await appFrom("hello", { "assembly/index.ts": "let y = ;\n" });
    const run = await runOcre(["build", good, bad]);
    expect(run.exitCode).toBe(1);
    expect(await exists(path.join(good, "build"))).toBe(false);
    expect(await exists(path.join(bad, "build"))).toBe(false);
  });

  it("--json failure is one JSON document with the error", async () => {
    const dir = await tempDir("ocre-build-");
    const run = await runOcre(["build", dir, "--json"]);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: "OCRE_MANIFEST_MISSING" } });
  });
});
