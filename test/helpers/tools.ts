import { execaSync } from "execa";

const cache = new Map<string, boolean>();

/** Whether `command` is on PATH. */
export function hasTool(command: string): boolean {
  let found = cache.get(command);
  if (found === undefined) {
    found = execaSync("sh", ["-c", `command -v "${command}"`], { reject: false }).exitCode === 0;
    cache.set(command, found);
  }
  return found;
}

/**
 * For `describe.skipIf(missingTools(...))`: on a developer machine a test that needs a tool is
 * skipped when the tool is absent; under CI=true a missing tool is a failure, so this throws.
 */
export function missingTools(...commands: string[]): boolean {
  const missing = commands.filter((c) => !hasTool(c));
  if (missing.length === 0) return false;
  if (process.env.CI === "true") {
    throw new Error(`CI is missing ${missing.join(", ")}: add the Debian package to test/apt-packages.txt`);
  }
  return true;
}
