#!/usr/bin/env node
import path from "node:path";
import type { CommandModule } from "yargs";
import type { GlobalArgs } from "./ui/output.js";
import { packageVersion } from "./version.js";
import { reportError } from "./ui/output.js";
import { OcreError } from "./errors.js";
import { didYouMean } from "./util/suggest.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<GlobalArgs, any>;

/** First word of a command's usage ("build [dirs..]" -> "build"). */
function commandName(c: AnyCommand): string {
  return String([c.command].flat()[0]).split(" ")[0]!;
}

/**
 * The commands to register. Each command module imports its own library, and some of those
 * are heavy; when the first word names a command (cli/commands/<name>.ts), only that module is
 * loaded, which keeps e.g. a no-op `ocre build` fast. Help, completion and unknown commands
 * load the whole registry.
 */
async function loadCommands(argv: readonly string[]): Promise<AnyCommand[]> {
  const first = argv.find((a) => !a.startsWith("-"));
  if (first !== undefined && /^[a-z]+$/.test(first) && !argv.includes("--help") && !argv.includes("-h")) {
    try {
      const module = (await import(`./commands/${first}.js`)) as Record<string, unknown>;
      const match = Object.values(module).find(
        (v): v is AnyCommand =>
          typeof v === "object" &&
          v !== null &&
          "command" in v &&
          "handler" in v &&
          commandName(v as AnyCommand) === first,
      );
      if (match !== undefined) return [match];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    }
  }
  return (await import("./commands/index.js")).commands;
}

let commandNames: string[] = [];

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
  // A repeated `ocre build` with nothing changed is answered before yargs (~100 ms) loads.
  if (argv[0] === "build") {
    const { tryNoopBuild } = await import("./commands/build-noop.js");
    if (await tryNoopBuild(argv).catch(() => false)) return;
  }
  // So is a plain `ocre push` (its flags parsed the same way; anything unusual goes to yargs).
  if (argv[0] === "push") {
    const { tryFastPush } = await import("./commands/push.js");
    if (await tryFastPush(argv)) return;
  }
  const { default: yargs } = await import("yargs");
  const commands = await loadCommands(argv);
  commandNames = [...commands.map(commandName), "completion"];
  const cli = yargs(argv)
    .scriptName("ocre")
    .usage("$0 <command> [options]\n\nBuild AssemblyScript apps into Wasm containers for Ocre on Zephyr.")
    .example("$0 new blinky --template blinky", "Create an app from a template")
    .example("$0 build", "Build the app in this directory into build/<name>.wasm")
    .example("$0 build --json", "Build and print the result as one JSON document")
    .example("$0 completion >> ~/.bashrc", "Install shell completion")
    .option("json", {
      type: "boolean",
      default: false,
      describe: "Print one JSON result document on stdout; logs go to stderr",
      global: true,
    })
    .option("verbose", {
      alias: "v",
      type: "boolean",
      default: false,
      describe: "Show detail and stack traces",
      global: true,
    })
    .option("quiet", {
      alias: "q",
      type: "boolean",
      default: false,
      describe: "Only warnings and errors",
      global: true,
    })
    .option("cwd", {
      type: "string",
      default: process.cwd(),
      defaultDescription: "the current directory",
      describe: "Run as if started in this directory",
      global: true,
      coerce: (dir: string) => path.resolve(dir),
    })
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

// process.argv.slice(2) is what yargs' hideBin does under Node; importing it would load yargs.
main(process.argv.slice(2)).catch((error: unknown) => {
  process.exitCode = reportError(error, {
    json: process.argv.includes("--json"),
    verbose: process.argv.includes("--verbose"),
  });
});
