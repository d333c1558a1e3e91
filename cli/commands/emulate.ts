import { stat } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "./define.js";
import { emulateCommand } from "./grammar.js";
import { boardRootsOf as roots } from "./board-roots.js";
import { OcreError } from "../errors.js";
import { loadFirmwareBoard } from "../firmware/board.js";
import { emulate } from "../firmware/emulate.js";
import { parseFlagDuration } from "../util/duration.js";
import { boardProjectDir, defaultBuiltBoard, describeArtifact, firmwareDir } from "../firmware/artifacts.js";
import type { FirmwareBoard } from "../firmware/board.js";
import { readFile } from "node:fs/promises";

/** --device-port: the host port, and the agent's TCP port the generated project recorded. */
async function agentForward(
  appDir: string,
  board: FirmwareBoard,
  host: number,
): Promise<{ host: number; guest: number }> {
  if (!Number.isInteger(host) || host < 1 || host > 65535)
    throw new OcreError("OCRE_FLAG_INVALID", `--device-port must be a TCP port, 1-65535 (got ${host})`);
  const file = path.join(boardProjectDir(path.join(appDir, "build"), board), "ocre-project.json");
  const project = await readFile(file, "utf8").then(
    (text) => JSON.parse(text) as { agent?: { tcpPort?: number | null } },
    () => ({}) as { agent?: { tcpPort?: number | null } },
  );
  const guest = project.agent?.tcpPort;
  if (typeof guest !== "number") {
    throw new OcreError("OCRE_AGENT_NONE", `the ${board.id} firmware has no device agent on TCP (${file})`, {
      hint: `build it with the agent: ocre build --firmware --board ${board.id} --agent tcp (docs/deploy.md)`,
    });
  }
  return { host, guest };
}

/** `ocre emulate` (options: cli/commands/grammar.ts). */
export const run = defineCommand(emulateCommand, async (args, out) => {
  const timeoutMs = parseFlagDuration(args.timeout, "--timeout");
  const runForMs = args.for === undefined ? undefined : parseFlagDuration(args.for, "--for");
  if (runForMs !== undefined && runForMs >= timeoutMs)
    throw new OcreError("OCRE_FLAG_INVALID", `--for ${args.for} is not shorter than --timeout ${args.timeout}`, {
      hint: `give the boot time to finish too, e.g. --for ${args.for} --timeout ${Math.ceil(runForMs / 1000) + 30}s`,
    });
  const appDir = path.resolve(args.cwd, args.dir ?? ".");
  if (args.board === undefined && args.kernel !== undefined) {
    throw new OcreError("OCRE_BOARD_REQUIRED", "--kernel needs --board (which emulator to use)", {
      hint: "ocre emulate --board mps2/an521/cpu0 --kernel zephyr.elf",
    });
  }
  // Without --board: the only board built under build/.
  const boardName = args.board ?? (await defaultBuiltBoard(path.join(appDir, "build"), "emulate"));
  const board = await loadFirmwareBoard(boardName, { appDir, boardRoots: roots(args) });
  const kernel = args.kernel
    ? path.resolve(args.cwd, args.kernel)
    : path.join(firmwareDir(path.join(appDir, "build"), board), "zephyr.elf");
  const forward =
    args["device-port"] === undefined ? undefined : await agentForward(appDir, board, args["device-port"]);
  out.info(
    out.style.dim(
      `booting ${path.relative(args.cwd, kernel) || kernel} in ${board.emulator?.[0] ?? "an emulator"} (timeout ${args.timeout}${runForMs === undefined ? "" : `, pass after running ${args.for}`})`,
    ),
  );
  const consoleStream = out.json ? process.stderr : process.stdout;
  let lastChar = "\n";
  const result = await emulate({
    board,
    kernel,
    // `--device qemu` finds the console through the app's build/emulator.json (a built app only).
    ...((await stat(path.join(appDir, "build")).catch(() => undefined))?.isDirectory()
      ? { consoleEndpoint: { buildDir: path.join(appDir, "build"), board: board.id } }
      : {}),
    timeoutMs,
    ...(runForMs === undefined ? {} : { runForMs }),
    ...(args.expect === undefined ? {} : { expect: args.expect }),
    ...(forward === undefined ? {} : { forward }),
    // The console is the command's output; with --json it goes to stderr beside the logs.
    onConsole: (text) => {
      consoleStream.write(text);
      if (text !== "") lastChar = text.at(-1)!;
    },
  });
  // The verdict gets its own line even when the console's last line had no newline.
  if (lastChar !== "\n") consoleStream.write("\n");
  out.result({ ...result, board: board.id, artifacts: [await describeArtifact("elf", kernel)] });
  const verdict = `${result.outcome}: ${result.reason} (${(result.durationMs / 1000).toFixed(1)} s)`;
  if (result.ok) out.info(out.style.green(verdict));
  else out.warn(out.style.red(verdict));
  return result.exitCode;
});
