#!/usr/bin/env node
import path from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commands } from "./commands/index.js";
import { packageVersion } from "./version.js";
import { reportError } from "./ui/output.js";
import { OcreError } from "./errors.js";
import { didYouMean } from "./util/suggest.js";

/** First word of each command's usage ("build [dirs..]" -> "build"), for suggestions. */
const commandNames: string[] = [...commands.map((c) => String([c.command].flat()[0]).split(" ")[0]!), "completion"];

/**
 * yargs reports an unknown command as "Unknown argument: x" (and, with recommendCommands, a
 * second "Did you mean" message). We turn it into one message that names the command and the
 * closest ones.
 */
function usageError(message: string, argv: readonly string[]): OcreError {
  const hint = "see `ocre --help` or `ocre <command> --help`";
  const first = argv.find((a) => !a.startsWith("-"));
  if (first !== undefined && !commandNames.includes(first) && /^Unknown (argument|command)/i.test(message)) {
    const suggestion = didYouMean(first, commandNames);
    return new OcreError("OCRE_USAGE", `unknown command "${first}"${suggestion === "" ? "" : `; ${suggestion}`}`, {
      hint: `commands: ${commandNames.join(", ")}; ${hint}`,
    });
  }
  return new OcreError("OCRE_USAGE", message, { hint });
}

/**
 * The CLI: global flags in one place, one module per command, nothing else. Every command
 * calls the library and prints; exit codes are 0 success, 1 user error, 2 internal error.
 */
async function main(argv: string[]): Promise<void> {
  const rawJson = argv.includes("--json");
  const rawVerbose = argv.includes("--verbose") || argv.includes("-v");
  const cli = yargs(argv)
    .scriptName("ocre")
    .usage("$0 <command> [options]\n\nBuild AssemblyScript apps into Wasm containers for Ocre on Zephyr.")
    .example("$0 new blinky --template blinky", "Create an app from a template")
    .example("$0 build", "Build the app in this directory into build/<name>.wasm")
    .example("$0 build --json", "Build and print the result as one JSON document")
    .example("$0 completion >> ~/.bashrc", "Install shell completion")
    .option("json", { type: "boolean", default: false, describe: "Print one JSON result document on stdout; logs go to stderr", global: true })
    .option("verbose", { alias: "v", type: "boolean", default: false, describe: "Show detail and stack traces", global: true })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "Only warnings and errors", global: true })
    .option("cwd", { type: "string", default: process.cwd(), defaultDescription: "the current directory", describe: "Run as if started in this directory", global: true, coerce: (dir: string) => path.resolve(dir) })
    .command(commands)
    .completion("completion", "Print a shell completion script (bash/zsh): ocre completion >> ~/.bashrc")
    .demandCommand(1, "Name a command; `ocre --help` lists them.")
    .strict()
    .version(packageVersion())
    .help()
    .alias("help", "h")
    .epilogue("Each command has a page in the package's docs/ folder.")
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      // Throwing stops yargs from running the command after a usage error; main() reports it once.
      throw error ?? usageError(message ?? "invalid command line", argv);
    });
  try {
    await cli.parseAsync();
  } catch (error) {
    process.exitCode = reportError(error, { json: rawJson, verbose: rawVerbose });
  }
}

main(hideBin(process.argv)).catch((error: unknown) => {
  process.exitCode = reportError(error, { json: process.argv.includes("--json"), verbose: process.argv.includes("--verbose") });
});
