#!/usr/bin/env node
import { packageVersion } from "./version.js";
import type { CommandSpec, OptionSpec } from "./commands/grammar.js";

// Everything else loads on use (dynamic imports), so that `--version` reads one file; each
// branch below loads what it needs.
type Modules = Pick<typeof import("./commands/argv.js"), "commandPath"> &
  Pick<typeof import("./commands/grammar.js"), "grammar"> &
  Pick<typeof import("./util/suggest.js"), "closest" | "didYouMean"> &
  Pick<typeof import("./errors.js"), "OcreError">;

/**
 * The CLI: one grammar (cli/commands/grammar.ts) and one module per command, nothing else.
 * A plain command line is parsed by the quick parser and runs without loading yargs; help and
 * completion candidates are rendered from the grammar; yargs (configured from the same grammar)
 * parses whatever the quick parser leaves, and reports usage errors. Each command's module (and
 * the library it uses) loads only when that command runs. Exit codes: 0 success, 1 user error,
 * 2 internal error.
 */
async function main(argv: string[]): Promise<void> {
  const rawJson = argv.includes("--json");
  const rawVerbose = argv.includes("--verbose") || argv.includes("-v");
  if (argv.length === 1 && argv[0] === "--version") {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  const [{ commandPath, parseQuick }, { grammar }] = await Promise.all([
    import("./commands/argv.js"),
    import("./commands/grammar.js"),
  ]);
  // What the script of `ocre completion` asks on Tab.
  if (argv[0] === "--get-yargs-completions") {
    const { completions } = await import("./commands/complete.js");
    for (const line of completions(argv.slice(1), grammar, process.env)) process.stdout.write(`${line}\n`);
    return;
  }
  const end = argv.indexOf("--");
  const options = end < 0 ? argv : argv.slice(0, end);
  if (options.includes("--help") || options.includes("-h")) {
    const { renderHelp } = await import("./commands/help.js");
    process.stdout.write(renderHelp(commandPath(argv, grammar), Math.min(100, process.stdout.columns ?? 100)));
    return;
  }
  const parsed = parseQuick(argv, grammar);
  if (parsed !== undefined) {
    const runner = await parsed.spec.load!();
    return runner(parsed.args);
  }
  const [{ default: yargs }, { configureYargs }, suggest, errors, { reportError }] = await Promise.all([
    import("yargs"),
    import("./commands/yargs.js"),
    import("./util/suggest.js"),
    import("./errors.js"),
    import("./ui/output.js"),
  ]);
  const modules: Modules = { commandPath, grammar, ...suggest, ...errors };
  const cli = configureYargs(yargs(argv), grammar, async (spec, args) => (await spec.load!())(args))
    .version(packageVersion())
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      // Throwing stops yargs from running the command after a usage error; main() reports it once.
      throw error ?? usageError(message ?? "invalid command line", argv, modules);
    });
  try {
    await cli.parseAsync();
  } catch (error) {
    process.exitCode = reportError(error, { json: rawJson, verbose: rawVerbose });
  }
}

/**
 * yargs' usage errors, made specific: an unknown command or option names the closest declared
 * ones ("did you mean --optimize?"), from the grammar.
 */
function usageError(
  message: string,
  argv: readonly string[],
  { commandPath, grammar, closest, didYouMean, OcreError }: Modules,
): Error {
  const hint = "see `ocre --help` or `ocre <command> --help`";
  const commandNames = (grammar.commands as readonly CommandSpec[]).map((c) => c.name);
  const first = argv.find((a) => !a.startsWith("-"));
  if (first !== undefined && !commandNames.includes(first) && /^Unknown (argument|command)/i.test(message)) {
    const suggestion = didYouMean(first, commandNames);
    return new OcreError("OCRE_USAGE", `unknown command "${first}"${suggestion === "" ? "" : `; ${suggestion}`}`, {
      hint: `commands: ${commandNames.join(", ")}; ${hint}`,
    });
  }
  // Checked before yargs' own message: `--ouput f` is better reported as a misspelling than as
  // "Missing required argument: output".
  const path = commandPath(argv, grammar);
  const spec = path.at(-1)!;
  const options: [string, OptionSpec][] = [
    ...Object.entries(spec === grammar ? {} : (spec.options ?? {})),
    ...Object.entries(grammar.options as Record<string, OptionSpec>),
  ];
  const flags = unknownFlags(argv, options);
  if (flags.length > 0) {
    const declared = options
      .filter(([, o]) => !o.hidden)
      .flatMap(([name, o]) => [name, ...(o.alias ?? []).filter((a) => a.length > 1)]);
    const parts = flags.map((flag) => {
      const names = closest(flag.replace(/^-+/, ""), declared, 2).map((n) => `--${n}`);
      return `unknown option ${flag}${names.length === 0 ? "" : `; did you mean ${names.join(" or ")}?`}`;
    });
    const where = ["ocre", ...path.slice(1).map((c) => c.name), "--help"].join(" ");
    return new OcreError("OCRE_USAGE", parts.join("\n"), { hint: `\`${where}\` lists the options` });
  }
  return new OcreError("OCRE_USAGE", message, { hint });
}

/** The flags on the line (before `--`) that the command does not declare, as typed. */
function unknownFlags(argv: readonly string[], options: readonly [string, OptionSpec][]): string[] {
  const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const known = new Set(["help", "h", "version"]);
  for (const [name, o] of options)
    for (const n of [name, ...(o.alias ?? [])]) {
      known.add(n);
      known.add(camel(n));
      if (o.type === "boolean") known.add(`no-${n}`);
    }
  const end = argv.indexOf("--");
  const unknown: string[] = [];
  for (const token of end < 0 ? argv : argv.slice(0, end)) {
    if (!token.startsWith("-") || /^-[0-9.]/.test(token) || token === "-") continue;
    const names = token.startsWith("--") ? [token.slice(2).split("=")[0]!] : [...token.slice(1).split("=")[0]!];
    for (const name of names) if (!known.has(name)) unknown.push(token.startsWith("--") ? `--${name}` : `-${name}`);
  }
  return [...new Set(unknown)];
}

// process.argv.slice(2) is what yargs' hideBin does under Node; importing it would load yargs.
main(process.argv.slice(2)).catch(async (error: unknown) => {
  const { reportError } = await import("./ui/output.js");
  process.exitCode = reportError(error, {
    json: process.argv.includes("--json"),
    verbose: process.argv.includes("--verbose"),
  });
});
