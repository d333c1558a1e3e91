#!/usr/bin/env node
import path from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commands } from "./commands/index.js";
import { packageVersion } from "./version.js";
import { reportError } from "./ui/output.js";
import { OcreError } from "./errors.js";

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
    .option("json", { type: "boolean", default: false, describe: "Print one JSON result document on stdout; logs go to stderr", global: true })
    .option("verbose", { alias: "v", type: "boolean", default: false, describe: "Show detail and stack traces", global: true })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "Only warnings and errors", global: true })
    .option("cwd", { type: "string", default: process.cwd(), describe: "Run as if started in this directory", global: true, coerce: (dir: string) => path.resolve(dir) })
    .command(commands)
    .completion("completion", "Print a shell completion script (bash/zsh): ocre completion >> ~/.bashrc")
    .demandCommand(1, "Name a command; `ocre --help` lists them.")
    .recommendCommands()
    .strict()
    .version(packageVersion())
    .help()
    .alias("help", "h")
    .epilogue("Each command has a page in the package's docs/ folder.")
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error) throw error;
      const usage = new OcreError("OCRE_USAGE", message ?? "invalid command line", { hint: "see `ocre --help` or `ocre <command> --help`" });
      process.exitCode = reportError(usage, { json: rawJson, verbose: rawVerbose });
    });
  await cli.parseAsync();
}

main(hideBin(process.argv)).catch((error: unknown) => {
  process.exitCode = reportError(error, { json: process.argv.includes("--json"), verbose: process.argv.includes("--verbose") });
});
