import { beforeAll, describe, expect, it } from "vitest";
import { cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { resolveConfig } from "../cli/config/resolve.js";
import { compile } from "../cli/pipeline/compile.js";
import { optimise } from "../cli/pipeline/optimise.js";
import { validate, type ValidateResult } from "../cli/pipeline/validate.js";
import { scaffold } from "../cli/scaffold/scaffold.js";
import { APP_TEMPLATE_NAMES } from "../cli/scaffold/templates.js";
import type { RuntimeVariant } from "../cli/config/types.js";
import { repoRoot, tempDir } from "./helpers/cli.js";

/** Every app the templates produce: [label, template, app dir inside the scaffolded dir]. */
const APPS: [string, string, string][] = [
  ["hello", "hello", ""],
  ["blinky", "blinky", ""],
  ["sensor", "sensor", ""],
  ["pubsub/publisher", "pubsub", "publisher"],
  ["pubsub/subscriber", "pubsub", "subscriber"],
  ["health/watcher", "health", "watcher"],
  ["health/faulty", "health", "faulty"],
];

/** Size budgets of the optimised containers (issue 2's targets). */
const BUDGET: Record<string, number> = { hello: 1024, blinky: 2048 };

interface Built {
  result: ValidateResult;
  capabilities: readonly string[];
  size: number;
}

async function build(dir: string, runtime?: RuntimeVariant): Promise<Built> {
  const config = await resolveConfig(dir, runtime === undefined ? {} : { runtime });
  const compiled = await compile(config);
  const optimised = await optimise(compiled.wasm, { profile: config.optimize, debug: false });
  const result = await validate(optimised.wasm, config);
  return { result, capabilities: config.capabilities, size: optimised.wasm.length };
}

describe("app templates", () => {
  const built = new Map<string, Built>();
  let root: string;

  beforeAll(async () => {
    root = await tempDir("ocre-templates-");
    for (const template of APP_TEMPLATE_NAMES) await scaffold({ dir: path.join(root, template), template });
    for (const [label, template, app] of APPS) built.set(label, await build(path.join(root, template, app)));
  });

  it("covers every template", () => {
    expect(new Set(APPS.map(([, template]) => template))).toEqual(new Set(APP_TEMPLATE_NAMES));
  });

  for (const [label] of APPS) {
    it(`${label} builds and validates, using only what its manifest grants`, () => {
      const { result, capabilities } = built.get(label)!;
      expect(result.warnings).toEqual([]);
      expect(result.spec.entryPoint).toBe("_start");
      // The manifest declares exactly the features the container uses.
      const used = result.spec.features.filter((f) => f !== "core");
      expect([...used].sort()).toEqual([...capabilities].sort());
    });
  }

  for (const [label, budget] of Object.entries(BUDGET)) {
    it(`${label} is at most ${budget} bytes after optimisation`, () => {
      expect(built.get(label)!.size).toBeLessThanOrEqual(budget);
    });
  }

  const typeCheck = async (dir: string) => {
    const tsc = await execa(
      process.execPath,
      [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmit"],
      { cwd: dir, reject: false },
    );
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("");
    expect(tsc.exitCode).toBe(0);
  };

  for (const [label, template, app] of APPS) {
    it(`${label} type-checks in an editor with its tsconfig and the SDK's types (outside the checkout)`, async () => {
      // What `npm install` gives an app that depends on this checkout (file:): node_modules/ocre
      // links to the checkout, and nothing else is installed (assemblyscript stays in the
      // checkout's node_modules). The app is in a temp dir, so nothing above it helps.
      const dir = path.join(root, template, app);
      await mkdir(path.join(dir, "node_modules"), { recursive: true });
      await symlink(repoRoot, path.join(dir, "node_modules/ocre")).catch(() => undefined);
      await typeCheck(dir);
    });
  }

  it("hello type-checks as installed from a registry (assemblyscript hoisted beside ocre)", async () => {
    const dir = path.join(await tempDir("ocre-templates-registry-"), "hello");
    await scaffold({ dir, template: "hello" });
    const ocre = path.join(dir, "node_modules/ocre");
    await mkdir(ocre, { recursive: true });
    // The published package's files (package.json "files"), without a node_modules of its own.
    // Copies, not links: a link would let TypeScript find the checkout's own node_modules.
    for (const entry of ["package.json", "sdk"])
      await cp(path.join(repoRoot, entry), path.join(ocre, entry), { recursive: true });
    await symlink(path.join(repoRoot, "node_modules/assemblyscript"), path.join(dir, "node_modules/assemblyscript"));
    await typeCheck(dir);
  });

  it("blinky with growable memory also builds with the incremental (garbage-collected) runtime", async () => {
    // The template's fixed arena cannot host the incremental collector (it asks memory.size()).
    const dir = path.join(root, "blinky-growable");
    await scaffold({ dir, template: "blinky" });
    const manifest = path.join(dir, "ocre.yaml");
    const text = await readFile(manifest, "utf8");
    await writeFile(manifest, text.replace(/^  arena: \d+$/m, "  initialPages: 1\n  maxPages: 2"));
    const { result } = await build(dir, "incremental");
    expect(result.warnings).toEqual([]);
  });

  it("refuses the incremental runtime for the fixed-memory template, naming both fixes", async () => {
    await expect(build(path.join(root, "blinky"), "incremental")).rejects.toMatchObject({
      code: "OCRE_MANIFEST_INVALID",
      message: expect.stringContaining('runtime "incremental" needs growable memory'),
    });
  });
});
