import { describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { runOcre, tempDir } from "./helpers/cli.js";

// Board files already checked are served from $XDG_CACHE_HOME/ocre/boards.json by content
// (cli/boards/parsed-cache.ts): any edit must be parsed and checked again.
describe("parsed board cache", () => {
  it("serves unchanged boards, re-checks an edited one, and survives a corrupt cache", async () => {
    const app = await tempDir();
    const cache = await tempDir();
    const env = { XDG_CACHE_HOME: cache };
    const added = await runOcre(["boards", "add", "myboard", "--from", "mps2-an521"], { cwd: app, env });
    expect(added.exitCode, added.stderr).toBe(0);

    const first = await runOcre(["boards", "--json"], { cwd: app, env });
    expect(first.exitCode, first.stderr).toBe(0);
    const stored = JSON.parse(await readFile(path.join(cache, "ocre/boards.json"), "utf8"));
    expect(Object.keys(stored.boards).length).toBe(JSON.parse(first.stdout).boards.length);
    const second = await runOcre(["boards", "--json"], { cwd: app, env });
    expect(second.stdout).toBe(first.stdout);

    // An edit the schema refuses: reported as before, not hidden by the cache.
    const file = path.join(app, "boards/myboard.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace(/^arch: .*$/m, "arch: z80"));
    const edited = await runOcre(["boards"], { cwd: app, env });
    expect(edited.exitCode).toBe(1);
    expect(edited.stderr).toMatch(/OCRE_BOARD_INVALID: board file .*myboard\.yaml: field arch is invalid/);

    await writeFile(path.join(cache, "ocre/boards.json"), "{ not json");
    const corrupt = await runOcre(["boards", "--json", "--arch", "cortex-m33"], { cwd: await tempDir(), env });
    expect(corrupt.exitCode, corrupt.stderr).toBe(0);
    expect(JSON.parse(corrupt.stdout).boards.map((b: { id: string }) => b.id)).toContain("mps2-an521");
  });
});
