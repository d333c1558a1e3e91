import { describe, expect, it } from "vitest";
import path from "node:path";
import yargs from "yargs";
import { parseQuick } from "../cli/commands/argv.js";
import { grammar, type CommandSpec, type OptionSpec } from "../cli/commands/grammar.js";
import { configureYargs } from "../cli/commands/yargs.js";
import { runOcre, tempDir } from "./helpers/cli.js";

/** Every command that runs something, with the words that name it. */
function leaves(spec: CommandSpec, words: string[] = []): { words: string[]; spec: CommandSpec }[] {
  const here = spec.load !== undefined && words.length > 0 ? [{ words, spec }] : [];
  return [...here, ...(spec.commands ?? []).flatMap((c) => leaves(c, [...words, c.name]))];
}

/** What yargs, configured from the grammar, gives the command for these words (or its error). */
async function viaYargs(
  argv: string[],
): Promise<{ spec?: CommandSpec; args?: Record<string, unknown>; error?: string }> {
  let result: { spec?: CommandSpec; args?: Record<string, unknown>; error?: string } = {};
  await configureYargs(yargs(argv), grammar, async (spec, args) => {
    result = { spec, args };
  })
    .exitProcess(false)
    .fail((message, error) => {
      result = { error: message ?? error?.message };
    })
    .parseAsync();
  return result;
}

/** The declared keys only (yargs adds aliases, camelCase copies, `_` and `$0`), no undefined. */
function declared(spec: CommandSpec, args: Record<string, unknown>): Record<string, unknown> {
  const keys = [
    ...Object.keys(grammar.options),
    ...Object.keys(spec.options ?? {}),
    ...(spec.positionals ?? []).map((p) => p.name),
  ];
  return Object.fromEntries(keys.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
}

/** Plain command lines for one option: each way of writing it a user would type. */
function samples(name: string, option: OptionSpec): string[][] {
  const names = [`--${name}`, ...(option.alias ?? []).map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
  const values = option.choices ?? (option.type === "number" ? ["7", "0"] : ["value", "some/dir", "3.7"]);
  return names.flatMap((flag) => {
    if (option.type === "boolean") return [[flag]];
    const forms = values.flatMap((v) => [[flag, v], ...(flag.startsWith("--") ? [[`${flag}=${v}`]] : [])]);
    return option.array ? [...forms, [flag, values[0]!, flag, values.at(-1)!]] : forms;
  });
}

/** What the command needs to be complete: its required positionals, and its required options. */
function required(spec: CommandSpec): { words: string[]; options: string[] } {
  return {
    words: (spec.positionals ?? []).filter((p) => p.required).map((p) => `${p.name}-word`),
    options: Object.entries(spec.options ?? {})
      .filter(([, o]) => o.required)
      .flatMap(([name]) => [`--${name}`, `${name}-value`]),
  };
}

describe("one grammar: the quick parser and yargs read every declared option the same", () => {
  for (const { words, spec } of leaves(grammar)) {
    it(`ocre ${words.join(" ")}`, async () => {
      const needs = required(spec);
      const base = [...words, ...needs.words];
      const lines: string[][] = [[...base, ...needs.options]];
      for (const [name, option] of [...Object.entries(spec.options ?? {}), ...Object.entries(grammar.options)])
        if (!option.required)
          for (const sample of samples(name, option)) lines.push([...base, ...sample, ...needs.options]);
      // Positionals: every optional one given, and a list of words for a variadic one.
      const optional = (spec.positionals ?? []).filter((p) => !p.required);
      if (optional.length > 0)
        lines.push([...base, ...optional.flatMap((p) => (p.variadic ? ["a", "b"] : [p.name])), ...needs.options]);
      // Global options before the command words, as users also type them.
      lines.push(["--json", "--cwd", "elsewhere", ...base, ...needs.options]);
      for (const line of lines) {
        const quick = parseQuick(line, grammar);
        const full = await viaYargs(line);
        expect(full.error, line.join(" ")).toBeUndefined();
        // The quick parser must take every plain line (else the CLI pays for yargs) ...
        expect(quick, line.join(" ")).toBeDefined();
        // ... and read it exactly as yargs does.
        expect(quick!.spec, line.join(" ")).toBe(full.spec);
        expect(quick!.args, line.join(" ")).toEqual(declared(full.spec!, full.args!));
      }
    });
  }

  it("the cwd option is absolute in both", async () => {
    const line = ["build", "--cwd", "some/dir"];
    expect(parseQuick(line, grammar)!.args.cwd).toBe(path.resolve("some/dir"));
    expect((await viaYargs(line)).args!.cwd).toBe(path.resolve("some/dir"));
  });

  // Lines the quick parser must leave to yargs, or read as yargs does.
  const unusual = [
    ["build", "--board", "a", "b"],
    ["build", "--board=a", "b"],
    ["build", "--json", "true"],
    ["build", "--json=false"],
    ["build", "--no-json"],
    ["build", "-vq"],
    ["build", "--v"],
    ["build", "--debug", "--debug"],
    ["build", "--optimize", "fast"],
    ["build", "--optimize"],
    ["build", "--zephyr", "--debug"],
    ["build", "--allowOverBudget"],
    ["build", "--optimise", "size"],
    ["push"],
    ["push", "a", "b", "c"],
    ["push", "a", "--retries", "x"],
    ["push", "a", "--retries", "-1"],
    ["push", "a", "--chunk-size", "0x10"],
    ["push", "a", "--timeout", ""],
    ["run", "--seed", "-5"],
    ["run", "--seed", "1e3"],
    ["new"],
    ["new", "x", "-t"],
    ["new", "x", "y"],
    ["image"],
    ["image", "bogus"],
    ["boards", "--arch", "arm", "show", "x"],
    ["boards", "show"],
    ["boards", "add", "x"],
    ["flash", "--", "--erase"],
    ["emulate", "-"],
    ["verify"],
    ["keys"],
    ["completion"],
    [],
  ];
  for (const line of unusual) {
    it(`leaves or agrees: ocre ${line.join(" ")}`, async () => {
      const quick = parseQuick(line, grammar);
      if (quick === undefined) return;
      const full = await viaYargs(line);
      expect(full.error).toBeUndefined();
      expect(quick.spec).toBe(full.spec);
      expect(quick.args).toEqual(declared(full.spec!, full.args!));
    });
  }
});

describe("flag errors, help and completion (the real CLI)", () => {
  it("an unknown option names the closest declared one and runs nothing", async () => {
    const dir = await tempDir();
    const run = await runOcre(["build", "--optimise", "size"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "error OCRE_USAGE: unknown option --optimise; did you mean --optimize?\nhint: `ocre build --help` lists the options",
    );
  });

  it("suggests the options of the subcommand typed, and global ones", async () => {
    const run = await runOcre(["image", "export", "x", "--ouput", "f.tar"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error OCRE_USAGE: unknown option --ouput; did you mean --output\?$/m);
    expect(run.stderr).toContain("`ocre image export --help` lists the options");
    const global = await runOcre(["boards", "--quite"]);
    expect(global.exitCode).toBe(1);
    expect(global.stderr).toMatch(/unknown option --quite; did you mean --quiet\?/);
  });

  it("an unknown option with nothing close says so without a guess", async () => {
    const run = await runOcre(["doctor", "--zzzzzz"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error OCRE_USAGE: unknown option --zzzzzz\n/);
  });

  it("`ocre completion --help` prints help, not the script", async () => {
    const run = await runOcre(["completion", "--help"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^ocre completion\n/);
    expect(run.stdout).toContain("Print a shell completion script");
    expect(run.stdout).not.toContain("###-begin-ocre-completions-###");
  });

  it("every command's --help shows each of its declared options", async () => {
    for (const { words, spec } of leaves(grammar)) {
      const run = await runOcre([...words, "--help"]);
      expect(run.exitCode, words.join(" ")).toBe(0);
      expect(run.stdout.split("\n")[0], words.join(" ")).toMatch(new RegExp(`^ocre ${words.join(" ")}\\b`));
      for (const [name, option] of Object.entries(spec.options ?? {}))
        if (option.hidden) expect(run.stdout).not.toMatch(new RegExp(`--${name}\\b`));
        else expect(run.stdout, `${words.join(" ")} --${name}`).toMatch(new RegExp(`--${name}\\b`));
    }
  });

  it("completion offers long option names only (no --v, --q), and choices after an option", async () => {
    const options = await runOcre(["--get-yargs-completions", "ocre", "build", "--"]);
    expect(options.exitCode).toBe(0);
    const offered = options.stdout.trim().split("\n");
    expect(offered).toContain("--optimize");
    expect(offered).toContain("--verbose");
    expect(offered).toContain("--quiet");
    expect(offered.filter((o) => /^--?.$/.test(o) || /^--.$/.test(o))).toEqual([]);
    expect(offered).not.toContain("--force"); // hidden
    const choices = await runOcre(["--get-yargs-completions", "ocre", "build", "--optimize", ""]);
    expect(choices.stdout.trim().split("\n")).toEqual(["size", "speed"]);
    const commands = await runOcre(["--get-yargs-completions", "ocre", "image", ""]);
    expect(commands.stdout.trim().split("\n")).toEqual(["ls", "inspect", "export", "import", "wrap", "rm"]);
    // After an option that takes a free value: nothing, so the shell completes file names.
    const value = await runOcre(["--get-yargs-completions", "ocre", "build", "--board-root", ""]);
    expect(value.stdout).toBe("");
  });

  it("the completion script still comes from yargs and calls back for candidates", async () => {
    const run = await runOcre(["completion"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("--get-yargs-completions");
  });
});
