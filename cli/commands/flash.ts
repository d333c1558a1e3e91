import path from "node:path";
import { defineCommand } from "./define.js";
import { flashCommand } from "./grammar.js";
import { boardRootsOf as roots } from "./board-roots.js";
import { loadFirmwareBoard } from "../firmware/board.js";
import { flash } from "../firmware/flash.js";
import { CMAKE_DIR } from "../pipeline/outputs.js";
import { defaultBuiltBoard, describeArtifact, firmwareDir } from "../firmware/artifacts.js";

/** `ocre flash` (options: cli/commands/grammar.ts). */
export const run = defineCommand(flashCommand, async (args, out) => {
  const appDir = path.resolve(args.cwd, args.dir ?? ".");
  // Without --board: the only board built under build/.
  const boardName = args.board ?? (await defaultBuiltBoard(path.join(appDir, "build"), "flash"));
  const board = await loadFirmwareBoard(boardName, { appDir, boardRoots: roots(args) });
  const fwDir = firmwareDir(path.join(appDir, "build"), board);
  const result = await flash({
    board,
    firmwareDir: fwDir,
    buildTree: path.join(appDir, "build", CMAKE_DIR, board.id),
    ...(args.runner ? { runner: args.runner } : {}),
    extraArgs: (args["--"] ?? []).map(String),
    onOutput: (text) => (out.json ? process.stderr : process.stdout).write(text),
  });
  const artifacts = [];
  for (const ext of ["hex", "bin", "elf"]) {
    const file = path.join(fwDir, `zephyr.${ext}`);
    artifacts.push(await describeArtifact(ext, file).catch(() => null));
  }
  out.result({
    ...result,
    board: board.id,
    runner: args.runner ?? null,
    artifacts: artifacts.filter((a) => a !== null),
  });
  if (!result.ok) {
    // The JSON result above already says so; print the human line and exit 1.
    out.warn(`west flash exited with ${result.exitCode}; see its output above (\`--runner\` picks another programmer)`);
    return 1;
  }
  out.info(out.style.green(`flashed ${board.id} in ${(result.durationMs / 1000).toFixed(1)} s`));
});
