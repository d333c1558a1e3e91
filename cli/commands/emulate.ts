import { defineCommand } from "./define.js";
import { OcreError } from "../errors.js";

// Placeholder until the owning issue lands; replaced, not extended.
export const emulateCommand = defineCommand({
  command: "emulate",
  describe: "(not yet implemented)",
  builder: (y) => y,
  run: async () => {
    throw new OcreError("OCRE_NOT_IMPLEMENTED", "`ocre emulate` is not implemented yet");
  },
});
