import { createOutput, reportError, type GlobalArgs } from "../ui/output.js";
import type { ArgsOf, CommandSpec, RunFunction, Runner } from "./grammar.js";

export type { CommandResult } from "./grammar.js";

/**
 * The runner of a command declared in the grammar (cli/commands/grammar.ts): every command gets
 * the same output object and the same top-level error handling: an OcreError is printed once
 * with its hint and gives exit 1, anything else is an internal error (exit 2).
 */
export function defineCommand<C extends CommandSpec>(_spec: C, run: RunFunction<C>): Runner {
  return async (argv) => {
    const args = argv as unknown as ArgsOf<C> & GlobalArgs;
    const out = createOutput(args);
    try {
      const code = await run(args, out);
      process.exitCode = typeof code === "number" ? code : 0;
    } catch (error) {
      process.exitCode = reportError(error, args);
    }
  };
}
