import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "./paths.js";

let cached: string | undefined;

/** The installed package's version (shown by --version, recorded in images and reports). */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  return cached;
}
