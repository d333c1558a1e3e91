import path from "node:path";
import { defineCommand } from "./define.js";
import { signCommand } from "./grammar.js";
import { readPassphrase } from "./keys.js";

/** `ocre sign` (options: cli/commands/grammar.ts). */
export const run = defineCommand(signCommand, async (args, out) => {
  const { loadPrivateKey, signLocalImage } = await import("../sign/index.js");
  const key = await loadPrivateKey(path.resolve(args.cwd, args.key), await readPassphrase(args));
  const result = await signLocalImage(args.image, key, { cwd: args.cwd, layout: args.layout }, args.identity);
  out.info(
    result.added
      ? `signed ${result.image} (${result.digest}) with ${result.keyFingerprint}; stored as ${result.signatureRef} in ${result.layout}`
      : `${result.image} (${result.digest}) already carries this key's signature (${result.keyFingerprint})`,
  );
  out.print(result.signature);
  out.result({ ok: true, ...result });
});
