import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../ui/output.js";
import { newCommand } from "./new.js";
import { buildCommand } from "./build.js";
import { boardsCommand } from "./boards.js";
import { imageCommand } from "./image.js";
import { pushCommand } from "./push.js";
import { pullCommand } from "./pull.js";
import { runCommand } from "./run.js";
import { doctorCommand } from "./doctor.js";
import { flashCommand } from "./flash.js";
import { emulateCommand } from "./emulate.js";
import { keysCommand } from "./keys.js";
import { signCommand } from "./sign.js";
import { verifyCommand } from "./verify.js";

/** Every command, in the order `ocre --help` lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalArgs, any>[] = [
  newCommand,
  buildCommand,
  runCommand,
  boardsCommand,
  imageCommand,
  pushCommand,
  pullCommand,
  keysCommand,
  signCommand,
  verifyCommand,
  doctorCommand,
  flashCommand,
  emulateCommand,
];
