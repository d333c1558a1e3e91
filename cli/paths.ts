import { fileURLToPath } from "node:url";
import path from "node:path";

/**
 * Where the package's own data lives. Works both from the TypeScript sources (cli/ under vitest)
 * and from the compiled output (dist/cli/), because both sit two levels or one level below the
 * package root and we look for the package.json that names "ocre".
 */
function findPackageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // cli/paths.ts -> root is ..; dist/cli/paths.js -> root is ../..
  return path.basename(path.dirname(here)) === "dist" ? path.resolve(here, "../..") : path.resolve(here, "..");
}

export const packageRoot = findPackageRoot();
export const sdkDir = path.join(packageRoot, "sdk");
export const templatesDir = path.join(packageRoot, "templates");
export const boardsDir = path.join(packageRoot, "boards");
export const schemasDir = path.join(packageRoot, "cli", "schemas");
export const zephyrModuleDir = path.join(packageRoot, "zephyr-module");
export const wamrGlueDir = path.join(packageRoot, "wamr-glue");
