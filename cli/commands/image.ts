import { defineCommand } from "./define.js";
import { OcreError } from "../errors.js";

// Placeholder until the owning issue lands; replaced, not extended.
export const imageCommand = defineCommand({
  command: "image",
  describe: "(not yet implemented)",
  builder: (y) => y,
  run: async () => {
    throw new OcreError("OCRE_NOT_IMPLEMENTED", "`ocre image` is not implemented yet");
  },
});
