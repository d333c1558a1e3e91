/**
 * The conformance suite (test/conformance/): raw-ABI containers in C (Debian clang + wasi-libc)
 * and AssemblyScript that exercise every env function's success and error paths, the limits,
 * two containers with the same timer id, a container dying with events queued, a flood, a
 * trap, and WASI files in a preopened folder with every way out of it refused. Each runs under `ocre run`'s two profiles, "ocre" (ocre's firmware) and "upstream-0.7"
 * (a stock upstream device), and its output must equal the expected-output file:
 * expected/<case>.txt when both runtimes agree, else expected/<case>.<profile>.txt. The files
 * were checked line by line against upstream's sources and docs/compat.md.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validate } from "../cli/pipeline/validate.js";
import { runContainers } from "../cli/sim/run.js";
import type { RuntimeName } from "../cli/sim/profile.js";
import type { ResolvedConfig } from "../cli/config/types.js";
import { conformanceSandbox } from "./helpers/fs-sandbox.js";
import { repoRoot, tempDir } from "./helpers/cli.js";
import { buildCContainer } from "./helpers/c-container.js";
import { missingTools } from "./helpers/tools.js";
import { compileApp, writeFixtureApp } from "./sdk-helpers.js";

const suite = path.join(repoRoot, "test/conformance");

interface Case {
  readonly name: string;
  readonly containers: readonly { readonly source: string; readonly name: string; readonly caps: string[] }[];
  /** Preopen a fresh sandbox folder at /data (`--dir <folder>:/data`), holding the escape links. */
  readonly sandbox?: boolean;
}

const API = ["ocre:api"];
const CASES: readonly Case[] = [
  { name: "core", containers: [{ source: "core", name: "core", caps: API }] },
  { name: "timers", containers: [{ source: "timers", name: "timers", caps: API }] },
  { name: "messaging", containers: [{ source: "messaging", name: "messaging", caps: API }] },
  { name: "flood", containers: [{ source: "flood", name: "flood", caps: API }] },
  { name: "gpio", containers: [{ source: "gpio", name: "gpio", caps: API }] },
  { name: "sensors", containers: [{ source: "sensors", name: "sensors", caps: API }] },
  {
    name: "same-timer-id",
    containers: [
      { source: "sametimer", name: "a", caps: API },
      { source: "sametimer", name: "b", caps: API },
    ],
  },
  {
    name: "dying",
    containers: [
      { source: "dying", name: "dying", caps: API },
      { source: "survivor", name: "survivor", caps: API },
    ],
  },
  { name: "oob", containers: [{ source: "oob", name: "oob", caps: API }] },
  { name: "as-raw", containers: [{ source: "as-raw", name: "as-raw", caps: API }] },
  { name: "filesystem", containers: [{ source: "filesystem", name: "filesystem", caps: API }], sandbox: true },
];

const PROFILES: readonly RuntimeName[] = ["ocre", "upstream-0.7"];

/** What a run printed: each container's stdout, then how it ended. */
function transcript(run: Awaited<ReturnType<typeof runContainers>>): string {
  return run.containers
    .map((c) => `${c.stdout}[${c.name}: ${c.status}, exit ${c.exitCode}${c.trap ? `, ${c.trap.kind}` : ""}]\n`)
    .join("");
}

async function expected(name: string, profile: RuntimeName): Promise<{ file: string; text: string }> {
  for (const file of [`${name}.${profile}.txt`, `${name}.txt`]) {
    const text = await readFile(path.join(suite, "expected", file), "utf8").catch(() => undefined);
    if (text !== undefined) return { file, text };
  }
  return { file: `${name}.${profile}.txt`, text: "" };
}

describe.skipIf(missingTools("clang", "wasm-ld"))("conformance suite under ocre run", () => {
  const wasm = new Map<string, Uint8Array>();

  beforeAll(async () => {
    const out = await tempDir("ocre-conformance-");
    const sources = [...new Set(CASES.flatMap((c) => c.containers.map((k) => k.source)))].filter((s) => s !== "as-raw");
    for (const source of sources) {
      const file = path.join(out, `${source}.wasm`);
      await buildCContainer(path.join(suite, "c", `${source}.c`), file, ["-Wl,--max-memory=1048576"]);
      wasm.set(source, new Uint8Array(await readFile(file)));
    }
    const as = await readFile(path.join(suite, "as", "raw.ts"), "utf8");
    wasm.set("as-raw", await compileApp(await writeFixtureApp(as, { heap: 8192, maxPages: 4 })));
  }, 300_000);

  it("every container imports only the ABI, with its signatures (the build's validator)", async () => {
    for (const [source, bytes] of wasm) {
      const config = {
        name: source,
        version: "0.0.0",
        manifestPath: "conformance",
        capabilities: API,
        memory: { initialPages: 1, maxPages: 64, stackBytes: 8192, heapBytes: 8192 },
        args: [],
        env: {},
      } as unknown as ResolvedConfig;
      await expect(validate(bytes, config), source).resolves.toBeDefined();
    }
  });

  for (const c of CASES) {
    for (const profile of PROFILES) {
      it(`${c.name} on ${profile}`, async () => {
        const run = await runContainers({
          containers: c.containers.map((k) => ({
            name: k.name,
            wasm: wasm.get(k.source)!,
            capabilities: k.caps,
            memory: { heapBytes: 16384 },
          })),
          virtualTime: true,
          timeoutMs: 20_000,
          runtime: profile,
          ...(c.sandbox ? { dirs: [{ host: await conformanceSandbox("ocre-conformance-fs-"), guest: "/data" }] } : {}),
        });
        const got = transcript(run);
        const want = await expected(c.name, profile);
        if (process.env.OCRE_CONFORMANCE_WRITE === "1" && !process.env.CI) {
          await writeFile(path.join(suite, "expected", want.file), got);
          return;
        }
        expect(got, `test/conformance/expected/${want.file}`).toBe(want.text);
      });
    }
  }
});
