import { OcreError } from "../errors.js";
import { escapeJson, escapeLines } from "./escape.js";
import { fileError } from "../util/fs-errors.js";

const ENVIRONMENT_FS_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT"]);

function isEnvironmentFsError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return !(error instanceof OcreError) && typeof code === "string" && ENVIRONMENT_FS_CODES.has(code);
}

/** Global flags every command receives (defined once in cli/main.ts). */
export interface GlobalArgs {
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  cwd: string;
}

/**
 * How commands talk to the user. With --json, stdout carries exactly one JSON document (the
 * command's result) and every log line goes to stderr. Colours only on a TTY and never with
 * NO_COLOR.
 */
export interface Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
  /** True when a human is watching stderr (progress bars, summaries). */
  readonly interactive: boolean;
  /** Progress and status lines (stderr). Suppressed by --quiet. */
  info(line: string): void;
  /** Warnings (stderr), shown even with --quiet. */
  warn(line: string): void;
  /** Detail shown only with --verbose (stderr). */
  debug(line: string): void;
  /** The command's human result on stdout (skipped with --json). */
  print(text: string): void;
  /** The command's machine result: printed as JSON with --json, otherwise ignored. */
  result(value: unknown): void;
  style: Style;
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

export function createOutput(args: Pick<GlobalArgs, "json" | "verbose" | "quiet">): Output {
  const color = !args.json && colorEnabled(process.stderr);
  const style = makeStyle(color);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  return {
    json: args.json,
    verbose: args.verbose,
    quiet: args.quiet,
    color,
    interactive: !args.json && !args.quiet && process.stderr.isTTY === true,
    info: (line) => {
      if (!args.quiet) err(line);
    },
    warn: (line) => err(`${style.yellow("warning")} ${line}`),
    debug: (line) => {
      if (args.verbose) err(style.dim(line));
    },
    print: (text) => {
      if (!args.json) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    },
    result: (value) => {
      if (args.json) process.stdout.write(`${escapeJson(value)}\n`);
    },
    style,
  };
}

/** Prints an error once, at the top level. Returns the exit code to use. */
export function reportError(thrown: unknown, args: Pick<GlobalArgs, "json" | "verbose">): 1 | 2 {
  // Permission and disk errors are the user's to fix (a read-only output folder, a full disk),
  // wherever they surface: a user error naming the path, never "please report it".
  const error = isEnvironmentFsError(thrown) ? fileError(thrown) : thrown;
  const style = makeStyle(!args.json && colorEnabled(process.stderr));
  if (error instanceof OcreError) {
    if (args.json) process.stdout.write(`${escapeJson({ ok: false, error: error.toJSON() })}\n`);
    // Messages quote names, registry answers and file content: never let them drive the terminal.
    process.stderr.write(`${style.red(`error ${error.code}`)}: ${escapeLines(error.message)}\n`);
    for (const line of error.details) process.stderr.write(`${escapeLines(line)}\n`);
    if (error.hint) process.stderr.write(`${style.cyan("hint")}: ${escapeLines(error.hint)}\n`);
    if (args.verbose && error.stack) process.stderr.write(`${style.dim(error.stack)}\n`);
    return error.exitCode === 2 ? 2 : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (args.json) {
    process.stdout.write(`${escapeJson({ ok: false, error: { code: "OCRE_INTERNAL", message } })}\n`);
  }
  process.stderr.write(`${style.red("internal error")}: ${escapeLines(message)}\n`);
  if (args.verbose && error instanceof Error && error.stack) process.stderr.write(`${style.dim(error.stack)}\n`);
  else process.stderr.write("run again with --verbose for the stack trace, and please report it\n");
  return 2;
}
