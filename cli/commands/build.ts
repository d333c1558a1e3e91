import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { defineCommand } from "./define.js";
import { buildCommand } from "./grammar.js";
import { reportError, type Output } from "../ui/output.js";
import { interruptSignal } from "../ui/interrupt.js";
import type { AppBuild, BuildOptions, BuildResult } from "../pipeline/build.js";

function bytes(n: number): string {
  return n < 10_240 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

function summary(app: AppBuild, cwd: string, out: Output): string {
  const s = out.style;
  const r = app.report;
  const where = path.relative(cwd, app.wasmPath) || app.wasmPath;
  if (app.cached)
    return `${s.green("✓")} ${s.bold(r.app.name)} ${bytes(r.app.sizeBytes)}  ${where}  ${s.dim("(up to date)")}`;
  const st = r.stages;
  const total = st.compile.timeMs + st.optimise.timeMs + st.validate.timeMs + st.write.timeMs;
  const lines = [
    `${s.green("✓")} ${s.bold(r.app.name)} ${bytes(r.app.sizeBytes)}  ${where}`,
    ...(st.compile.prebuilt === undefined
      ? [
          s.dim(
            `  compile  ${bytes(st.compile.sizeBytes).padStart(9)}  ${st.compile.timeMs.toFixed(0).padStart(5)} ms`,
          ),
          s.dim(
            `  optimise ${bytes(st.optimise.sizeBytes).padStart(9)}  ${st.optimise.timeMs.toFixed(0).padStart(5)} ms  (${st.optimise.profile}, ${st.optimise.rounds} rounds)`,
          ),
        ]
      : [
          s.dim(
            `  prebuilt ${bytes(st.compile.sizeBytes).padStart(9)}  ${st.compile.timeMs.toFixed(0).padStart(5)} ms  (${st.compile.prebuilt}, taken as it is)`,
          ),
        ]),
    s.dim(
      `  validate ${"".padStart(9)}  ${st.validate.timeMs.toFixed(0).padStart(5)} ms  imports: ${r.app.imports.length}, features: ${r.app.features.join(", ")}`,
    ),
    s.dim(
      `  total    ${"".padStart(9)}  ${total.toFixed(0).padStart(5)} ms  memory ${r.app.memory.initialPages}..${r.app.memory.maxPages} pages`,
    ),
  ];
  const image = r.image as { ref: string; digest: string } | undefined;
  if (image) lines.push(s.dim(`  image    ${image.ref} ${image.digest}`));
  return lines.join("\n");
}

/** `ocre build` (options: cli/commands/grammar.ts). */
export const run = defineCommand(buildCommand, async (args, out) => {
  const dirs = (args.dirs.length === 0 ? ["."] : args.dirs).map((d) => path.resolve(args.cwd, d));
  // The no-op build: this exact command line (same words, directory and environment) built these
  // apps before and nothing they read has changed, so the cached result is printed before any
  // build stage loads. The cache entry was written by this command for the identical line.
  if (!args.rebuild && !args.force && !args.watch && args.sign === undefined && args["from-image"] === undefined) {
    const [{ invocationKey }, { buildFromCache }] = await Promise.all([
      import("../pipeline/cache.js"),
      import("../pipeline/noop.js"),
    ]);
    const cached = await buildFromCache(dirs, invocationKey(process.argv.slice(2), args.cwd, process.env), out).catch(
      () => undefined,
    );
    if (cached !== undefined) return printBuild(cached, args.cwd, out);
  }
  // Binaryen and wabt are large Wasm modules this process uses for a second or two: V8's
  // background TurboFan tier-up of them costs more CPU than it saves (measured: compile +
  // optimise + validate of blinky 4.1 s -> 1.1 s on 2 cores). Must be set before they load.
  setFlagsFromString("--liftoff-only");
  const { buildApps } = await import("../pipeline/build.js");
  // Ctrl-C/SIGTERM: a build stops before committing its outputs, so the previous ones stay
  // whole (cli/pipeline/outputs.ts); with --watch it also ends the loop.
  const signal = interruptSignal();
  if (args.force) out.warn("--force is deprecated: it means --rebuild --allow-over-budget; use those");
  const options: BuildOptions = {
    debug: args.debug,
    rebuild: args.rebuild || args.force,
    allowOverBudget: args["allow-over-budget"] || args.force,
    ...(args.optimize === undefined ? {} : { optimize: args.optimize }),
    ...(args.runtime === undefined ? {} : { runtime: args.runtime }),
    ...(args.firmware ? { firmware: true } : {}),
    ...(args.toolchain === undefined ? {} : { toolchain: args.toolchain }),
    ...(args.board.length === 0 ? {} : { boards: args.board }),
    ...(args["board-root"].length === 0
      ? {}
      : { boardRoots: args["board-root"].map((d) => path.resolve(args.cwd, d)) }),
    ...(args.zephyr === undefined ? {} : { zephyr: args.zephyr }),
    ...(args.trust.length === 0 ? {} : { trust: args.trust.map((k) => path.resolve(args.cwd, k)) }),
    ...(args.agent === undefined ? {} : { agent: args.agent }),
    ...(args["registry-ca"] === undefined ? {} : { registryCa: path.resolve(args.cwd, args["registry-ca"]) }),
    // Reproducible images: the image's `created` time (docs/image.md).
    ...(process.env.SOURCE_DATE_EPOCH ? { sourceDateEpoch: process.env.SOURCE_DATE_EPOCH } : {}),
    signal,
  };
  if (args.watch && args["from-image"] !== undefined) {
    const { OcreError } = await import("../errors.js");
    throw new OcreError("OCRE_USAGE", "--watch rebuilds apps from their sources; --from-image has none to watch", {
      hint: "drop --watch, or build the app directory with --watch",
    });
  }
  if (args["from-image"] !== undefined) {
    const { buildFromImage } = await import("../pipeline/build.js");
    const built = await buildFromImage(args["from-image"], args.cwd, options, out);
    out.print(
      `${out.style.green("✓")} ${out.style.bold(built.spec.name)} ${built.spec.version} from ${built.from} ${out.style.dim(built.digest)}`,
    );
    out.result({
      ok: true,
      fromImage: { from: built.from, digest: built.digest, name: built.spec.name, version: built.spec.version },
      buildDir: built.buildDir,
      ...built.sections,
    });
    return;
  }
  // A prebuilt module is not an app: say what to do with it before anything looks for boards in it.
  const wasmTarget = dirs.find((d) => /\.wasm$/i.test(d));
  if (wasmTarget !== undefined) {
    const { OcreError } = await import("../errors.js");
    const rel = path.relative(args.cwd, wasmTarget) || wasmTarget;
    throw new OcreError("OCRE_BUILD_WASM_TARGET", `${rel} is a Wasm module, not an app directory`, {
      hint: `name it as the entry of an app's ocre.yaml (entry: ${path.basename(rel)}), or make it an image: ocre image wrap ${rel} --cap <caps> && ocre build --from-image <name>:<version> --board <id>`,
    });
  }
  // The key is read (and decrypted) before anything is built, so a wrong passphrase costs nothing.
  const signingKey =
    args.sign === undefined
      ? undefined
      : await (
          await import("../sign/keys.js")
        ).loadPrivateKey(path.resolve(args.cwd, args.sign), await (await import("./keys.js")).readPassphrase(args));
  // --firmware: one-line build progress on a terminal, size bars (cli/firmware/progress.ts).
  const logger = args.firmware ? (await import("../firmware/progress.js")).firmwareLogger(out) : out;
  // Recorded with the cache entry, so repeating this command line is a no-op before yargs loads.
  const { invocationKey } = await import("../pipeline/cache.js");
  const { signOption } = await import("../sign/stage.js");
  const buildOptions: BuildOptions = {
    ...options,
    ...(signingKey === undefined ? {} : { sign: signOption(signingKey) }),
    invocation: invocationKey(process.argv.slice(2), args.cwd, process.env),
  };
  if (args.watch) {
    const { watchBuild } = await import("../pipeline/watch.js");
    const waiting = (): void => out.info(out.style.dim("watching for changes (Ctrl-C to stop)"));
    await watchBuild(
      dirs,
      buildOptions,
      {
        signal,
        onStart: (changed) => {
          if (changed.length > 0) out.info(out.style.dim(`changed: ${changedText(changed, args.cwd)}; rebuilding`));
        },
        onSuccess: (result) => {
          printBuild(result, args.cwd, out);
          waiting();
        },
        onFailure: (error) => {
          reportError(error, args);
          waiting();
        },
      },
      logger,
    );
    // Ctrl-C is how a watch ends: not an error. A build it cut short left the outputs whole.
    return;
  }
  const result = await buildApps(dirs, buildOptions, logger);
  printBuild(result, args.cwd, out);
});

/** The files that started a rebuild, relative to the working directory (at most three named). */
export function changedText(files: readonly string[], cwd: string): string {
  const shown = files.slice(0, 3).map((f) => path.relative(cwd, f) || f);
  return files.length > 3 ? `${shown.join(", ")} and ${files.length - 3} more` : shown.join(", ");
}

/** What `ocre build` prints for a result: a summary per app, and the JSON document with --json. */
export function printBuild(result: BuildResult, cwd: string, out: Output): void {
  for (const app of result.apps) {
    // Like cargo, a no-op build repeats the warnings of the build it stands for.
    if (app.cached) for (const warning of app.warnings) out.warn(warning);
    // --quiet: only warnings and errors; the result is the files (and the JSON with --json).
    if (!out.quiet) out.print(summary(app, cwd, out));
  }
  out.result({
    ok: true,
    apps: result.apps.map((a) => ({
      name: a.report.app.name,
      wasm: a.wasmPath,
      report: a.reportPath,
      cached: a.cached,
      sizeBytes: a.report.app.sizeBytes,
      sha256: a.report.app.sha256,
      stages: cachedStages(a),
    })),
    // --board: per board, the generated west project and its memory estimate.
    ...(result.apps[0]?.report.boards ? { boards: result.apps[0].report.boards } : {}),
    // --firmware: per board, the images (artifacts with path, sha256, bytes) and the size report.
    ...(result.apps[0]?.report.firmware ? { firmware: result.apps[0].report.firmware } : {}),
  });
}

/** The stage list as the JSON result shows it: each stage's report, or "cached" on a no-op build. */
function cachedStages(app: AppBuild): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(app.report.stages).map(([name, stage]) => [
      name,
      app.cached ? { status: "cached" } : { status: "ran", ...stage },
    ]),
  );
}
