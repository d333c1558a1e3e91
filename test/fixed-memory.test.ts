import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import binaryen from "assemblyscript/binaryen";
import { describe, expect, it } from "vitest";
import { buildApps } from "../cli/pipeline/build.js";
import { runContainers } from "../cli/sim/run.js";
import type { ContainerSpec } from "../cli/spec.js";
import { runOcre, tempDir } from "./helpers/cli.js";

/**
 * Fixed-memory containers (manifest memory.arena): what WAMR needs to shrink the memory, the
 * arena's bounds, the out-of-memory trap, the simulator's model of the shrunk memory, and the
 * manifests the build refuses.
 */

async function app(files: Record<string, string>): Promise<string> {
  const dir = await tempDir("ocre-fixed-");
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

function manifest(memory: string, extra = ""): string {
  return `name: fixed\nversion: 0.1.0\ncapabilities: [timers, messaging]\nmemory:\n${memory}\n${extra}`;
}

async function build(files: Record<string, string>): Promise<ContainerSpec> {
  const dir = await app(files);
  return (await buildApps([dir])).apps[0]!.spec;
}

/** The module's exported i32 globals, read by instantiating it (the engine, not our reader). */
function exportedGlobals(wasm: Uint8Array): Record<string, number> {
  const module = new WebAssembly.Module(wasm);
  const stub = () => 0;
  const imports: Record<string, Record<string, () => number>> = {};
  for (const i of WebAssembly.Module.imports(module)) (imports[i.module] ??= {})[i.name] = stub;
  const instance = new WebAssembly.Instance(module, imports);
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(instance.exports))
    if (value instanceof WebAssembly.Global) out[name] = value.value as number;
  return out;
}

const text = (wasm: Uint8Array): string => {
  const m = binaryen.readBinary(wasm);
  try {
    return m.emitText();
  } finally {
    m.dispose();
  }
};

describe("fixed-memory containers", () => {
  it("export __data_end and __heap_base = data end (16-aligned) + arena, and never grow or size memory", async () => {
    const spec = await build({
      "ocre.yaml": manifest("  arena: 2048\n  heap: 0"),
      "assembly/index.ts":
        'import { console } from "ocre";\nconst a = new Array<i32>(10);\na[3] = 7;\nconsole.log(`n=${a[3]}`);\n',
    });
    const g = exportedGlobals(spec.wasm);
    expect(Object.keys(g).sort()).toEqual(["__data_end", "__heap_base"]);
    expect(g.__heap_base).toBe(Math.ceil(g.__data_end! / 16) * 16 + 2048);
    expect(text(spec.wasm)).not.toMatch(/memory\.(grow|size)/);
    expect(spec.memory.arenaBytes).toBe(2048);
    expect(spec.memory.fixedBytes).toBe(Math.ceil(g.__heap_base! / 8) * 8);
    // The declared memory holds the arena (WAMR shrinks only within it), and cannot grow.
    const mem = new WebAssembly.Module(spec.wasm);
    expect(WebAssembly.Module.exports(mem).some((e) => e.kind === "memory")).toBe(true);
    expect(spec.memory.initialPages).toBe(spec.memory.maxPages);
    expect(spec.memory.initialPages * 65536).toBeGreaterThanOrEqual(g.__heap_base!);
  });

  it("the arena holds what fits and traps with a named message on the first byte too many", async () => {
    const source = (bytes: number) =>
      `import { console } from "ocre";\nconst b = new ArrayBuffer(${bytes});\nstore<u8>(changetype<usize>(b) + ${bytes - 1}, 1);\nconsole.log("allocated");\n`;
    // The first block's payload starts 16 B into the arena (16-byte alignment after its 4 B
    // header); an ArrayBuffer adds a 16 B object header; payloads are 16k - 4 bytes. So 1024 B
    // hold a 988 B buffer (block end at 16 + 1004 = 1020), and 989 B need 16 + 1020 = 1036.
    const fits = await build({ "ocre.yaml": manifest("  arena: 1024\n  heap: 0"), "assembly/index.ts": source(988) });
    const ok = await runContainers({ containers: [fits], virtualTime: true });
    expect(ok.containers[0]!.stdout).toBe("allocated\n");
    expect(ok.exitCode).toBe(0);

    const over = await build({ "ocre.yaml": manifest("  arena: 1024\n  heap: 0"), "assembly/index.ts": source(989) });
    const run = await runContainers({ containers: [over], virtualTime: true });
    expect(run.containers[0]!.stderr).toBe("ocre: memory.arena exhausted\n");
    expect(run.containers[0]!.stdout).toBe("");
    expect(run.containers[0]!.trap).toBeDefined();
    expect(run.exitCode).not.toBe(0);
  });

  it("a counter global that starts above 0 does not become WAMR's stack pointer", async () => {
    const spec = await build({
      "ocre.yaml": manifest("  arena: 256\n  heap: 0"),
      "assembly/index.ts":
        'import { console } from "ocre";\nlet count: i32 = 5;\nfor (let i = 0; i < 3; i++) count++;\nif (count == 8) console.log("eight");\n',
    });
    // WAMR 2.4 takes the first defined mutable i32 global with an i32.const initialiser no
    // higher than __heap_base as the aux stack pointer; unless it starts at 0, sets are checked.
    const heapBase = exportedGlobals(spec.wasm).__heap_base!;
    const m = binaryen.readBinary(spec.wasm);
    try {
      for (let i = 0; i < m.getNumGlobals(); i++) {
        const info = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
        const init = binaryen.getExpressionInfo(info.init) as { id: number; value: unknown };
        if (!info.mutable || info.type !== binaryen.i32 || init.id !== binaryen.ConstId) continue;
        if ((init.value as number) >>> 0 > heapBase) continue;
        expect(init.value).toBe(0);
        break;
      }
    } finally {
      m.dispose();
    }
    const run = await runContainers({ containers: [spec], virtualTime: true });
    expect(run.containers[0]!.stdout).toBe("eight\n");
  });

  it("the simulator puts the app heap right after the arena and refuses pointers past it", async () => {
    // fd_write with an iovec just past the app heap: WAMR's shrunk memory ends there, so the
    // host answers EFAULT (21) although the engine's page is larger.
    const spec = await build({
      "ocre.yaml": manifest("  arena: 256\n  heap: 1024"),
      "assembly/index.ts": [
        'import { exit } from "ocre";',
        'import { fd_write } from "ocre/bindings/wasi";',
        "const iov = memory.data(16, 4);",
        "// @ts-ignore: builtin",
        "const end: usize = ((((__heap_base + 15) & ~15) + 256 + 7) & ~7) + 1024;",
        "store<usize>(iov, end - 8); store<usize>(iov, 8, 4);",
        "const inside = fd_write(1, iov, 1, iov + 8);",
        "store<usize>(iov, end - 4);",
        "const outside = fd_write(1, iov, 1, iov + 8);",
        "exit(inside * 100 + outside);",
      ].join("\n"),
    });
    const run = await runContainers({ containers: [spec], virtualTime: true });
    expect(run.containers[0]!.exitCode).toBe(21);
  });

  it("a fixed-memory subscriber receives messages in the app heap after its arena", async () => {
    const sub = await build({
      "ocre.yaml": manifest("  arena: 512\n  heap: 2048"),
      "assembly/index.ts": [
        'import { console, messages, Message, run, stop } from "ocre";',
        "let n = 0;",
        'messages.subscribe("t/", (m: Message): void => {',
        '  if (m.topicIs("t/x") && m.byteAt(4) == 0x6f) n++;',
        '  if (n == 100) { console.log("got 100"); stop(); }',
        "});",
        "run();",
      ].join("\n"),
    });
    const pub = await build({
      "ocre.yaml": manifest("  arena: 256\n  heap: 0").replace("name: fixed", "name: pub"),
      "assembly/index.ts": [
        'import { messages, Timer, run, stop } from "ocre";',
        "let k = 0;",
        'Timer.every(10, (): void => { messages.publish("t/x", "hello"); if (++k == 100) stop(); });',
        "run();",
      ].join("\n"),
    });
    const run = await runContainers({ containers: [sub, pub], virtualTime: true, durationMs: 5000 });
    expect(run.containers[0]!.stdout, run.containers[0]!.stderr).toBe("got 100\n");
    expect(run.containers.every((c) => c.trap === undefined)).toBe(true);
  });
});

describe("manifests the build refuses", () => {
  it("memory.arena together with pages", async () => {
    const dir = await app({
      "ocre.yaml": manifest("  arena: 1024\n  maxPages: 2"),
      "assembly/index.ts": "",
    });
    const run = await runOcre(["build", dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /ocre\.yaml:\d+:\d+: memory\.maxPages \(growable memory\) and memory\.arena \(fixed memory\) exclude each other/,
    );
  });

  it("the incremental runtime with fixed memory, from the manifest or the flag", async () => {
    const dir = await app({ "ocre.yaml": manifest("  arena: 1024", "runtime: minimal\n"), "assembly/index.ts": "" });
    const run = await runOcre(["build", dir, "--runtime", "incremental"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/runtime "incremental" needs growable memory/);
    expect(run.stderr).toMatch(/hint: .*runtime "minimal"/);
  });

  it("growable memory with initialPages == maxPages and an app heap, with the numbers", async () => {
    const dir = await app({
      "ocre.yaml": manifest("  initialPages: 1\n  maxPages: 1\n  heap: 4096"),
      "assembly/index.ts": "",
    });
    const run = await runOcre(["build", dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /memory\.maxPages \(1\) equals memory\.initialPages: the SDK keeps the initial 64 KiB clear for the 4096 B app heap/,
    );
    expect(run.stderr).toMatch(/hint: .*memory\.arena/);
  });

  it("an arena larger than the schema allows, or not a multiple of 16", async () => {
    const dir = await app({ "ocre.yaml": manifest("  arena: 1000"), "assembly/index.ts": "" });
    const run = await runOcre(["build", dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/memory\.arena/);
  });

  it("an app that calls memory.grow itself", async () => {
    const dir = await app({ "ocre.yaml": manifest("  arena: 1024"), "assembly/index.ts": "memory.grow(1);\n" });
    const run = await runOcre(["build", dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /error OCRE_MEMORY_GROWS: the app uses memory\.grow, which a fixed-memory container cannot/,
    );
  });
});

describe("runtime: minimal collects garbage between events", () => {
  const source = [
    'import { console, Timer, run } from "ocre";',
    "let n = 0;",
    "Timer.every(1000, (): void => {",
    "  n++;",
    '  const line = "tick " + n.toString() + " at " + (n * 1000).toString() + " ms";',
    "  if (n % 21600 == 0) console.log(line);",
    "});",
    "run();",
  ].join("\n");
  const gcManifest = (runtime: string) =>
    `name: gc\nversion: 0.1.0\ncapabilities: [timers]\nmemory:\n  arena: 2048\n  heap: 0\nruntime: ${runtime}\n`;

  it("an app that builds a string per event runs 24 h of virtual time in a 2 KiB arena", async () => {
    const spec = await build({ "ocre.yaml": gcManifest("minimal"), "assembly/index.ts": source });
    const run = await runContainers({ containers: [spec], virtualTime: true, durationMs: 24 * 3600_000 });
    expect(run.containers[0]!.stdout).toBe(
      [21600, 43200, 64800, 86400].map((n) => `tick ${n} at ${n * 1000} ms\n`).join(""),
    );
    expect(run.containers[0]!.trap).toBeUndefined();
    expect(run.appTimeMs).toBe(24 * 3600_000);
  }, 120_000);

  it("the same app on the stub runtime runs out of its arena within seconds", async () => {
    const spec = await build({ "ocre.yaml": gcManifest("stub"), "assembly/index.ts": source });
    const run = await runContainers({ containers: [spec], virtualTime: true, durationMs: 24 * 3600_000 });
    expect(run.containers[0]!.stderr).toBe("ocre: memory.arena exhausted\n");
    expect(run.containers[0]!.endedAtMs).toBeLessThan(60_000);
  });
});
