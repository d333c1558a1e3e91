import { existsSync } from "node:fs";
import path from "node:path";
import { createOutput } from "../ui/output.js";

/**
 * The no-op fast path of `ocre build`: when this exact command line (same words, directory and
 * environment) built these apps before and nothing they read has changed, print the cached
 * result without loading the CLI parser or any build stage. Anything unusual (another word
 * first, --rebuild, --help, a miss) returns false and the normal CLI runs, so this never decides
 * anything the real command would decide differently: the cache entry was written by the real
 * command for the identical command line.
 */
export async function tryNoopBuild(argv: readonly string[]): Promise<boolean> {
  if (argv[0] !== "build" || argv.some((a) => /^(--force|--rebuild|--help|-h|--version|--sign)(=|$)/.test(a)))
    return false;
  const cwdAt = argv.findIndex((a) => a === "--cwd" || a.startsWith("--cwd="));
  const cwdArg =
    cwdAt < 0 ? undefined : argv[cwdAt]!.startsWith("--cwd=") ? argv[cwdAt]!.slice("--cwd=".length) : argv[cwdAt + 1];
  if (cwdAt >= 0 && cwdArg === undefined) return false;
  const cwd = path.resolve(cwdArg ?? process.cwd());
  // Candidate app directories: words that name a directory with an ocre.yaml. The cache entry
  // records the exact list the real command built; a different list is a miss.
  const words = argv.slice(1).filter((a, i, all) => !a.startsWith("-") && all[i - 1] !== "--cwd");
  const appDirs = words.map((w) => path.resolve(cwd, w)).filter((d) => existsSync(path.join(d, "ocre.yaml")));
  if (appDirs.length === 0) appDirs.push(cwd);

  const [{ invocationKey }, { buildFromCache }] = await Promise.all([
    import("../pipeline/cache.js"),
    import("../pipeline/build.js"),
  ]);
  const json = argv.includes("--json");
  const out = createOutput({
    json,
    verbose: argv.includes("--verbose") || argv.includes("-v"),
    quiet: argv.includes("--quiet") || argv.includes("-q"),
  });
  const result = await buildFromCache(appDirs, invocationKey(argv, cwd, process.env), out);
  if (result === undefined) return false;
  const { printBuild } = await import("./build.js");
  printBuild(result, cwd, out);
  return true;
}
