/**
 * `npm run gen:abi`: writes the generated copies of the ABI contract into the repository
 * (generate.ts says which). A script, not library code: it prints what it changed.
 */
import { readFile, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import { packageRoot } from "../paths.js";
import { generatedFiles } from "./generate.js";

let changed = 0;
for (const file of generatedFiles()) {
  const target = path.join(packageRoot, file.path);
  const old = await readFile(target, "utf8").catch(() => undefined);
  if (old === file.text) continue;
  const tmp = `${target}.tmp-${process.pid}`;
  await writeFile(tmp, file.text);
  await rename(tmp, target);
  console.log(`wrote ${file.path}`);
  changed++;
}
console.log(changed === 0 ? "generated files are up to date" : `${changed} file(s) regenerated`);
