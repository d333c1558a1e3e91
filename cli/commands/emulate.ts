import path from "node:path";
import { defineCommand } from "./define.js";
import { boardRootsOf as roots } from "./board-roots.js";
import { OcreError } from "../errors.js";
import { loadFirmwareBoard } from "../firmware/board.js";
import { emulate } from "../firmware/emulate.js";
import { defaultBuiltBoard, describeArtifact, firmwareDir } from "../firmware/artifacts.js";

interface EmulateArgs {
  "board-root": string[];
  dir?: string;
  board?: string;
  kernel?: string;
  timeout: number;
  expect?: string;
}

export const emulateCommand = defineCommand<EmulateArgs>({
  command: "emulate [dir]",
  describe: "Run the built firmware in the board's emulator (QEMU) and report how the containers exited",
  builder: (y) =>
    y
      .positional("dir", {
        type: "string",
        describe: "App directory (its build/<board>/firmware/zephyr.elf is booted)",
      })
      .option("board", {
        type: "string",
        describe: "Board (catalog id or Zephyr board target); default: the only one built",
      })
      .option("board-root", {
        type: "string",
        array: true,
        default: [] as string[],
        describe: "Also load board files (<id>.yaml) from this folder (as `ocre build --board-root`)",
      })
      .option("kernel", {
        type: "string",
        describe: "Boot this ELF instead of the app's build/<board>/firmware/zephyr.elf",
      })
      .option("timeout", { type: "number", default: 60, describe: "Seconds before giving up (exit 1)" })
      .option("expect", { type: "string", describe: "Succeed as soon as this text appears on the console" })
      .example("$0 emulate --board mps2/an521/cpu0", "boot the AN521 firmware, exit with the containers' verdict"),
  run: async (args, out) => {
    if (!(args.timeout > 0))
      throw new OcreError("OCRE_USAGE", `--timeout must be a positive number of seconds, not ${args.timeout}`);
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
    out.info(
      out.style.dim(
        `booting ${path.relative(args.cwd, kernel) || kernel} in ${board.emulator?.[0] ?? "an emulator"} (timeout ${args.timeout} s)`,
      ),
    );
    const result = await emulate({
      board,
      kernel,
      timeoutMs: args.timeout * 1000,
      ...(args.expect === undefined ? {} : { expect: args.expect }),
      // The console is the command's output; with --json it goes to stderr beside the logs.
      onConsole: (text) => (out.json ? process.stderr : process.stdout).write(text),
    });
    out.result({ ...result, board: board.id, artifacts: [await describeArtifact("elf", kernel)] });
    const verdict = `${result.outcome}: ${result.reason} (${(result.durationMs / 1000).toFixed(1)} s)`;
    if (result.ok) out.info(out.style.green(verdict));
    else out.warn(out.style.red(verdict));
    return result.exitCode;
  },
});
