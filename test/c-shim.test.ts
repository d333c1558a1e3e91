/**
 * The C shim's host unit tests (test/c: cmocka + CTest over the portable core and the POSIX
 * port) and the native table the firmware registers with WAMR, checked against the ABI that
 * the SDK, validator and simulator use (cli/abi/table.ts).
 */
import { execa } from "execa";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CAPABILITY_DEFS } from "../cli/abi/contract.js";
import { OCRE_ABI, WASI_FUNCTIONS, type ValType } from "../cli/abi/table.js";
import { healthTopic, parseHealth } from "../cli/abi/health.js";
import { repoRoot, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";

interface CtestResult {
  name: string;
  passed: boolean;
}

interface PrintedTable {
  env: { name: string; wamr: string; capability: number }[];
  wasi: { name: string; wamr: string }[];
}

const CAP_BITS: Record<string, number> = Object.fromEntries(CAPABILITY_DEFS.map((c) => [c.name, 1 << c.bit]));

/** Wasm types of a WAMR signature: I is i64, F f64, every other letter an i32. */
function wasmTypes(sig: string): { params: ValType[]; results: ValType[] } {
  const m = /^\(([^)]*)\)(.?)$/.exec(sig);
  if (!m) throw new Error(`bad signature ${sig}`);
  const t = (c: string): ValType => (c === "I" ? "i64" : c === "F" ? "f64" : "i32");
  return { params: [...(m[1] ?? "")].map(t), results: m[2] ? [t(m[2])] : [] };
}

describe.skipIf(missingTools("cmake", "ninja", "gcc", "pkg-config"))("C shim host tests", () => {
  let buildDir = "";
  let results: CtestResult[] = [];
  let ctestOutput = "";
  let table: PrintedTable;

  beforeAll(async () => {
    buildDir = await tempDir("ocre-ctest-");
    await execa("cmake", ["-S", path.join(repoRoot, "test/c"), "-B", buildDir, "-G", "Ninja"]);
    await execa("nice", ["cmake", "--build", buildDir]);
    const run = await execa("ctest", ["--output-on-failure", "--timeout", "60"], {
      cwd: buildDir,
      reject: false,
      all: true,
    });
    ctestOutput = String(run.all);
    results = [...ctestOutput.matchAll(/Test\s+#\d+: (\S+) \.+\**\s*(Passed|Failed|\S+)/g)].map((m) => ({
      name: m[1] ?? "",
      passed: m[2] === "Passed",
    }));
    const printed = await execa(path.join(buildDir, "print_abi"));
    table = JSON.parse(printed.stdout) as PrintedTable;
  }, 300_000);

  it("publishes health events in the one defined format (cli/abi/health.ts)", async () => {
    const run = await execa(path.join(buildDir, "test_runtime"), [], { reject: false });
    const lines = run.stdout.split("\n").filter((l) => l.startsWith("HEALTH "));
    const events = lines.map((l) => {
      const [, topic, ...payload] = l.split(" ");
      const parsed = parseHealth(payload.join(" "));
      expect(parsed, l).toBeDefined();
      expect(topic).toBe(healthTopic(parsed!.event, parsed!.container));
      return parsed!;
    });
    const crasher = events.filter((e) => e.container === "crasher").map((e) => e.event);
    expect(crasher).toEqual(["started", "trapped", "exited", "restarted", "started", "exited"]);
    expect(events.find((e) => e.event === "trapped")!.fields).toMatchObject({ reason: "unreachable" });
  });

  it("builds and runs every CTest suite", () => {
    expect(results.map((r) => r.name).sort()).toEqual([
      "agent",
      "api",
      "container",
      "dispatch",
      "events",
      "logring",
      "mem",
      "policy",
      "runtime",
      "store",
      "verify",
      "wasi",
      "wasi_fs",
    ]);
  });

  it("passes every suite (failing cmocka cases are named below)", () => {
    const failed = results.filter((r) => !r.passed).map((r) => r.name);
    const failedCases = [...ctestOutput.matchAll(/\[\s+FAILED\s+\] (\w+)/g)].map((m) => m[1]);
    expect({ failed, failedCases: [...new Set(failedCases)] }).toEqual({ failed: [], failedCases: [] });
  });

  it("registers exactly the env ABI of cli/abi/table.ts, in names and WAMR signatures", () => {
    expect(table.env.map((f) => [f.name, f.wamr])).toEqual(OCRE_ABI.map((f) => [f.name, f.wamr]));
  });

  it("guards each call with the capability cli/abi/table.ts gives it", () => {
    for (const f of OCRE_ABI) {
      const c = table.env.find((e) => e.name === f.name);
      expect([f.name, c?.capability]).toEqual([f.name, f.capability === null ? 0 : CAP_BITS[f.capability]]);
    }
  });

  it("provides every WASI function of cli/abi/table.ts with its Wasm type", () => {
    const c = table.wasi.map((f) => ({ name: f.name, ...wasmTypes(f.wamr) }));
    const ts = WASI_FUNCTIONS.map((f) => ({ name: f.name, params: [...f.params], results: [...f.results] }));
    expect(c).toEqual(ts);
  });
});
