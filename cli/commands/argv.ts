import path from "node:path";
import type { CommandSpec, OptionSpec } from "./grammar.js";

/**
 * The quick parser: reads a plain command line by the grammar (cli/commands/grammar.ts) without
 * loading yargs (~150-300 ms of start-up). It gives the same arguments yargs gives for the same
 * words (test/grammar.test.ts checks every declared option both ways), and it gives up
 * (undefined) on anything it would have to decide differently or that is an error: unknown or
 * repeated flags, a missing value, `--no-x`, `-abc`, `--`, a word after a list option, a bad
 * choice or number, a missing positional or required option, too many words. yargs then parses
 * the line and reports the problem with its usual messages.
 */
export interface ParsedCommand {
  /** The commands named, from the top: ["image", "ls"]. */
  readonly names: readonly string[];
  readonly spec: CommandSpec;
  /** Canonical names only (no aliases, no camelCase copies). */
  readonly args: Record<string, unknown>;
}

/** The command a line names (for --help): the longest run of leading command words. */
export function commandPath(argv: readonly string[], root: CommandSpec): CommandSpec[] {
  const found: CommandSpec[] = [root];
  let options = { ...root.options };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") break;
    if (token.startsWith("-")) {
      const spec = lookup(options, token.replace(/^--?/, ""));
      if (spec !== undefined && spec.type !== "boolean" && !token.includes("=")) i++;
      continue;
    }
    const sub = findCommand(found.at(-1)!, token);
    if (sub === undefined) break;
    found.push(sub);
    options = { ...root.options, ...sub.options };
  }
  return found;
}

export function findCommand(parent: CommandSpec, word: string): CommandSpec | undefined {
  return parent.commands?.find((c) => c.name === word || c.aliases?.includes(word));
}

function lookup(options: Readonly<Record<string, OptionSpec>>, name: string): OptionSpec | undefined {
  return options[name] ?? Object.values(options).find((o) => o.alias?.includes(name));
}

function canonical(options: Readonly<Record<string, OptionSpec>>, name: string): string | undefined {
  if (name in options) return name;
  return Object.entries(options).find(([, o]) => o.alias?.includes(name))?.[0];
}

const NUMBER = /^(0|[1-9][0-9]{0,14})$/;

export function parseQuick(argv: readonly string[], root: CommandSpec): ParsedCommand | undefined {
  const names: string[] = [];
  let spec = root;
  let options: Record<string, OptionSpec> = { ...root.options };
  const values: Record<string, unknown> = {};
  const words: string[] = [];
  let onlyGlobalSoFar = true;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith("-")) {
      // A command word, before anything that belongs to the command it would leave.
      const sub = words.length === 0 && onlyGlobalSoFar ? findCommand(spec, token) : undefined;
      if (sub !== undefined) {
        names.push(sub.name);
        spec = sub;
        options = { ...root.options, ...sub.options };
      } else words.push(token);
      continue;
    }
    // `--name[=value]` with a name of two letters or more, or `-x` alone: yargs reads `--v` as
    // -v, `-vq` as both, `-5` as a number, `--` as the end of options; leave those to it.
    const long = token.startsWith("--");
    const eq = long ? token.indexOf("=") : -1;
    const flag = long ? token.slice(2, eq < 0 ? undefined : eq) : token.slice(1);
    if (long ? flag.length < 2 : flag.length !== 1) return undefined;
    const name = canonical(options, flag);
    if (name === undefined) return undefined;
    const option = options[name]!;
    if (name in values && !option.array) return undefined;
    if (!(name in (root.options ?? {}))) onlyGlobalSoFar = false;
    if (option.type === "boolean") {
      // `--x=false`, `--x true`: yargs reads the value; leave those to it.
      if (eq >= 0 || argv[i + 1] === "true" || argv[i + 1] === "false") return undefined;
      values[name] = true;
      continue;
    }
    const value = eq >= 0 ? token.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    if (option.choices !== undefined && !option.choices.includes(value)) return undefined;
    if (option.type === "number" && !NUMBER.test(value)) return undefined;
    const parsed = option.type === "number" ? Number(value) : value;
    if (!option.array) {
      values[name] = parsed;
      continue;
    }
    // yargs lets a list option take the words after its value too (`--board a b`).
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("-")) return undefined;
    values[name] = [...((values[name] as unknown[] | undefined) ?? []), parsed];
  }
  return finish(names, spec, options, values, words);
}

function finish(
  names: readonly string[],
  spec: CommandSpec,
  options: Readonly<Record<string, OptionSpec>>,
  values: Record<string, unknown>,
  words: readonly string[],
): ParsedCommand | undefined {
  // A command that only groups others (`ocre image`), or none at all: yargs says what to name.
  if (spec.load === undefined || names.length === 0) return undefined;
  const args: Record<string, unknown> = {};
  const positionals = spec.positionals ?? [];
  let at = 0;
  for (const p of positionals) {
    if (p.variadic) {
      const rest = words.slice(at);
      at = words.length;
      if (rest.length > 0) args[p.name] = [...rest];
      else if (p.required) return undefined;
      else if (p.default !== undefined) args[p.name] = [...p.default];
      continue;
    }
    const word = words[at];
    if (word !== undefined) {
      args[p.name] = word;
      at++;
    } else if (p.required) return undefined;
  }
  if (at < words.length) return undefined;
  for (const [name, option] of Object.entries(options)) {
    let value = values[name];
    if (value === undefined) {
      if (option.required) return undefined;
      value = option.type === "boolean" ? (option.default ?? false) : option.default;
      if (Array.isArray(value)) value = [...(value as unknown[])];
    }
    if (option.absolute && typeof value === "string") value = path.resolve(value);
    if (value !== undefined) args[name] = value;
  }
  return { names, spec, args };
}
