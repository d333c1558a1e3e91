import path from "node:path";
import type { Argv, CommandModule, Options, PositionalOptions } from "yargs";
import { usageOf, type CommandSpec, type OptionSpec } from "./grammar.js";

/** What runs a command once yargs has parsed its line (main.ts loads and runs it; tests capture). */
export type Handler = (spec: CommandSpec, args: Record<string, unknown>) => Promise<void>;

export function yargsOption(option: OptionSpec): Options {
  return {
    type: option.type,
    describe: option.describe,
    ...(option.alias ? { alias: [...option.alias] } : {}),
    ...(option.array ? { array: true } : {}),
    ...(option.choices ? { choices: [...option.choices] } : {}),
    ...(option.type === "boolean"
      ? { default: option.default ?? false }
      : option.default === undefined
        ? {}
        : { default: Array.isArray(option.default) ? [...(option.default as unknown[])] : option.default }),
    ...(option.defaultDescription ? { defaultDescription: option.defaultDescription } : {}),
    ...(option.required ? { demandOption: true } : {}),
    ...(option.hidden ? { hidden: true } : {}),
    ...(option.absolute ? { coerce: (value: string) => path.resolve(value) } : {}),
  };
}

function commandModule(spec: CommandSpec, handler: Handler): CommandModule {
  return {
    command: [usageOf(spec), ...(spec.aliases ?? [])],
    describe: spec.describe,
    builder: (y: Argv) => {
      let b = y;
      if (spec.passThrough) b = b.parserConfiguration({ "populate--": true });
      for (const p of spec.positionals ?? []) {
        const options: PositionalOptions = {
          type: "string",
          describe: p.describe,
          ...(p.variadic ? { array: true } : {}),
          ...(p.required ? { demandOption: true } : {}),
          ...(p.default ? { default: [...p.default] } : {}),
        };
        b = b.positional(p.name, options);
      }
      for (const [name, option] of Object.entries(spec.options ?? {})) b = b.option(name, yargsOption(option));
      for (const sub of spec.commands ?? []) b = b.command(commandModule(sub, handler));
      if (spec.demandCommand !== undefined) b = b.demandCommand(1, spec.demandCommand);
      for (const [example, text] of spec.examples ?? []) b = b.example(example, text);
      return b;
    },
    handler: async (argv) => {
      if (spec.load !== undefined) await handler(spec, argv as Record<string, unknown>);
    },
  };
}

/**
 * The yargs parser for the grammar, with strict checking. It runs when the quick parser
 * (argv.ts) gives up: for errors with yargs' messages, and the completion script. Help is
 * rendered from the grammar (help.ts), so it is off here. `completion` is yargs' own command.
 */
export function configureYargs(y: Argv, root: CommandSpec, handler: Handler): Argv {
  let cli = y.scriptName(root.name).help(false);
  for (const [name, option] of Object.entries(root.options ?? {}))
    cli = cli.option(name, { ...yargsOption(option), global: true });
  for (const spec of root.commands ?? [])
    if (spec.name !== "completion") cli = cli.command(commandModule(spec, handler));
  return cli
    .completion("completion", false)
    .demandCommand(1, root.demandCommand ?? "")
    .strict();
}
