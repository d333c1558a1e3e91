import type { Argv, CommandModule } from "yargs";
import { createOutput, reportError, type GlobalArgs, type Output } from "../ui/output.js";

/** What a command's run function may return: nothing (exit 0) or an explicit exit code. */
export type CommandResult = void | number;

export interface CommandSpec<A> {
  command: string | readonly string[];
  describe: string;
  builder: (yargs: Argv<GlobalArgs>) => Argv<A>;
  run: (args: A & GlobalArgs, out: Output) => Promise<CommandResult>;
}

/**
 * Wraps a command so that every command gets the same output object and the same top-level
 * error handling: an OcreError is printed once with its hint and gives exit 1, anything else
 * is an internal error (exit 2).
 */
export function defineCommand<A>(spec: CommandSpec<A>): CommandModule<GlobalArgs, A> {
  return {
    command: spec.command as string | readonly string[],
    describe: spec.describe,
    builder: spec.builder as unknown as CommandModule<GlobalArgs, A>["builder"],
    handler: async (argv) => {
      const args = argv as unknown as A & GlobalArgs;
      const out = createOutput(args);
      try {
        const code = await spec.run(args, out);
        process.exitCode = typeof code === "number" ? code : 0;
      } catch (error) {
        process.exitCode = reportError(error, args);
      }
    },
  };
}
