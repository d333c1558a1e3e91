import { describe, expect, it, beforeAll } from "vitest";
import { OCRE_ABI, WASI_FUNCTIONS, findImport } from "../cli/abi/table.js";
import { compileApp, readImports, writeFixtureApp, type WasmImport } from "./sdk-helpers.js";

// A module that re-exports every raw binding, so each one is compiled in and imported.
const EVERY_BINDING = `
export * from "ocre/bindings/env";
export * from "ocre/bindings/wasi";
`;

describe("SDK bindings against the ABI table", () => {
  let imports: WasmImport[];

  beforeAll(async () => {
    imports = readImports(await compileApp(await writeFixtureApp(EVERY_BINDING)));
  });

  it("imports every env function of the ABI and nothing else from env", () => {
    const env = imports
      .filter((i) => i.module === "env")
      .map((i) => i.name)
      .sort();
    expect(env).toEqual(OCRE_ABI.map((f) => f.name).sort());
  });

  it("gives every env import the table's Wasm signature", () => {
    for (const f of OCRE_ABI) {
      const imp = imports.find((i) => i.module === "env" && i.name === f.name);
      expect(imp, f.name).toBeDefined();
      expect({ name: f.name, params: imp!.params, results: imp!.results }).toEqual({
        name: f.name,
        params: [...f.params],
        results: [...f.results],
      });
    }
  });

  it("imports only WASI functions both runtimes provide, with their signatures", () => {
    const wasi = imports.filter((i) => i.module === "wasi_snapshot_preview1");
    expect(wasi.map((i) => i.name).sort()).toEqual(["clock_time_get", "fd_write", "proc_exit"]);
    for (const imp of wasi) {
      const f = WASI_FUNCTIONS.find((w) => w.name === imp.name)!;
      expect({ name: imp.name, params: imp.params, results: imp.results }).toEqual({
        name: f.name,
        params: [...f.params],
        results: [...f.results],
      });
    }
  });

  it("has no import outside env and WASI (no env.abort, no env.memory)", () => {
    expect(imports.filter((i) => findImport(i.module, i.name) === undefined)).toEqual([]);
  });
});
