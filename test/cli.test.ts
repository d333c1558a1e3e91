import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { runOcre, repoRoot, tempDir } from "./helpers/cli.js";

const ESC = "\u001b[";

describe("ocre CLI", () => {
  it("--version prints the package version", async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
    const run = await runOcre(["--version"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it("--help lists the commands, global flags and examples", async () => {
    const run = await runOcre(["--help"]);
    expect(run.exitCode).toBe(0);
    for (const text of [
      "ocre build",
      "ocre new",
      "ocre completion",
      "--json",
      "--verbose",
      "--quiet",
      "--cwd",
      "Examples:",
    ])
      expect(run.stdout).toContain(text);
  });

  it("build --help shows its flags and examples", async () => {
    const run = await runOcre(["build", "--help"]);
    expect(run.exitCode).toBe(0);
    for (const text of [
      "--debug",
      "--optimize",
      "--profile",
      "--runtime",
      "--rebuild",
      "--allow-over-budget",
      "Examples:",
      "ocre build --optimize speed",
    ])
      expect(run.stdout).toContain(text);
  });

  it("completion prints a shell completion script", async () => {
    const run = await runOcre(["completion"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/###-begin-ocre-completions-###/);
    expect(run.stdout).toMatch(/complete -o bashdefault -o default -F _ocre_yargs_completions ocre|compdef/);
  });

  it("an unknown command is one error with a suggestion, exit 1", async () => {
    const run = await runOcre(["buidl"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr.match(/^error /gm)).toHaveLength(1);
    expect(run.stderr).toMatch(/error OCRE_USAGE: unknown command "buidl"; did you mean build\?/);
  });

  it("an unknown flag stops the command (nothing runs), exit 1", async () => {
    const dir = await tempDir("ocre-cli-");
    const run = await runOcre(["build", dir, "--bogus"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr.match(/^error /gm)).toHaveLength(1);
    expect(run.stderr).toMatch(/unknown option --bogus/);
    expect(run.stderr).not.toMatch(/OCRE_MANIFEST_MISSING/);
  });

  it("no command is a usage error, exit 1", async () => {
    const run = await runOcre([]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/error OCRE_USAGE/);
  });

  it("--json usage errors are one JSON document on stdout", async () => {
    const run = await runOcre(["buidl", "--json"]);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: "OCRE_USAGE" } });
  });

  it("colours errors only when allowed: never with NO_COLOR", async () => {
    const dir = await tempDir("ocre-cli-");
    const forced = await runOcre(["build", dir], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    expect(forced.exitCode).toBe(1);
    expect(forced.stderr).toContain(ESC);
    const plain = await runOcre(["build", dir], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } });
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).not.toContain(ESC);
  });

  it("--cwd runs as if started there", async () => {
    const dir = await tempDir("ocre-cli-");
    const run = await runOcre(["build", "--cwd", dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`no ocre.yaml in ${dir}`);
  });
});
