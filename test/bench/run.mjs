// Runs every test/bench/*.bench.mjs in turn, each in its own Node process (so one bench's
// loaded modules and heap do not skew the next), and exits non-zero if any of them failed.
// `npm run bench` compiles the TypeScript first; benches import dist/.
// Run a subset: node test/bench/run.mjs build oci
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here))
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.mjs$/, "")))
  .sort();

const failed = [];
for (const file of files) {
  process.stdout.write(`\n=== ${file}\n`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(here, file)], { stdio: "inherit" });
    child.on("exit", (c, signal) => resolve(signal ? 1 : (c ?? 1)));
  });
  if (code !== 0) failed.push(`${file} (exit ${code})`);
}
process.stdout.write(
  `\n${files.length - failed.length}/${files.length} benches passed${failed.length ? `; failed: ${failed.join(", ")}` : ""}\n`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
