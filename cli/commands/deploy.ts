import { defineCommand } from "./define.js";
import { deployCommand } from "./grammar.js";
import { registryOptions } from "./push.js";

/** `ocre deploy` (options: cli/commands/grammar.ts). */
export const run = defineCommand(deployCommand, async (args, out) => {
  const { deploy, parseDeviceAddress } = await import("../deploy/index.js");
  const address = parseDeviceAddress(args.device, args.cwd);
  let shown = -1;
  const result = await deploy(args.source, address, {
    cwd: args.cwd,
    name: args.name,
    via: args.via,
    resolve: args.resolve,
    registryAs: args["registry-as"],
    registry: await registryOptions(args, out),
    onProgress: (sent, total) => {
      const pct = Math.floor((sent * 100) / total);
      if (pct >= shown + 25 || sent === total) {
        shown = pct;
        out.info(`sent ${sent}/${total} bytes (${pct}%)`);
      }
    },
  });
  const e = result.entry;
  out.info(
    `${result.name}: ${e.previous === undefined ? "installed" : "updated"} on ${result.device} ` +
      `(${result.digest}, version ${e.seq}, ${result.via === "host" ? "sent by the host" : `pulled by the device over ${result.tls === true ? "https" : "http"}${result.resolve === "device" ? ", which resolved the reference itself" : ""}`})`,
  );
  out.print(result.digest);
  out.result({ ok: true, ...result });
});
