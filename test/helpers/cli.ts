import { execa } from "execa";
import path from "node:path";
import { mkdtemp } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
/** The `ocre` command as installed: package.json's bin (the bundle cli/bundle.mjs writes). */
export const cliPath = path.join(
  repoRoot,
  (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { bin: { ocre: string } }).bin.ocre,
);

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (dist/, produced by `npm test`'s tsc step) the way a user does, without a
 * TTY and with NO_COLOR so output is stable.
 */
export async function runOcre(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<CliRun> {
  const result = await execa(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { NO_COLOR: "1", ...options.env },
    reject: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A fresh empty directory under the OS temp dir. */
export function tempDir(prefix = "ocre-test-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
