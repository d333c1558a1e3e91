import { defineCommand } from "./define.js";
import { OcreError } from "../errors.js";

// Placeholder until the owning issue lands; replaced, not extended.
export const buildCommand = defineCommand({
  command: "build",
  describe: "(not yet implemented)",
  builder: (y) => y,
  run: async () => {
    throw new OcreError("OCRE_NOT_IMPLEMENTED", "`ocre build` is not implemented yet");
  },
});
