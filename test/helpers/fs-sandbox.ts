import path from "node:path";
import { symlink } from "node:fs/promises";
import { tempDir } from "./cli.js";

/**
 * A sandbox folder as test/conformance/c/filesystem.c expects it: `in` -> folder (stays inside),
 * `abs` -> /etc (absolute) and `up` -> ../.. (climbs out). Upstream was given the same folder
 * (test/conformance/README.md).
 */
export async function conformanceSandbox(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  await symlink("folder", path.join(dir, "in"));
  await symlink("/etc", path.join(dir, "abs"));
  await symlink("../..", path.join(dir, "up"));
  return dir;
}
