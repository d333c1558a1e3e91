import { defineCommand } from "./define.js";
import { OcreError } from "../errors.js";

// Placeholder until the owning issue lands; replaced, not extended.
export const newCommand = defineCommand({
  command: "new",
  describe: "(not yet implemented)",
  builder: (y) => y,
  run: async () => {
    throw new OcreError("OCRE_NOT_IMPLEMENTED", "`ocre new` is not implemented yet");
  },
});
