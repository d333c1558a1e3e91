import { defineCommand } from "./define.js";
import { deviceCommand, sub } from "./grammar.js";

/** `ocre device ls` (options: cli/commands/grammar.ts). */
export const ls = defineCommand(sub(deviceCommand, "ls"), async (args, out) => {
  const { listDevice, parseDeviceAddress } = await import("../deploy/index.js");
  const entries = await listDevice(parseDeviceAddress(args.device));
  out.result({ ok: true, device: args.device, containers: entries });
  if (entries.length === 0) {
    out.info("no installed containers (`ocre deploy` installs one)");
    return;
  }
  // Names and digests come from the device: deploy/index.ts escapes them.
  const rows = [
    ["NAME", "DIGEST", "VERSION", "SIZE", "STATE", "PREVIOUS"],
    ...entries.map((e) => [
      e.name,
      e.digest.slice(0, 19),
      String(e.seq),
      String(e.size),
      `${e.confirmed ? "confirmed" : "on trial"}${e.running ? ", running" : ""}`,
      e.previous === undefined ? "-" : e.previous.slice(0, 19),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  out.print(
    rows
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n"),
  );
});

/** `ocre device rm`. */
export const rm = defineCommand(sub(deviceCommand, "rm"), async (args, out) => {
  const { removeFromDevice, parseDeviceAddress } = await import("../deploy/index.js");
  await removeFromDevice(parseDeviceAddress(args.device), args.name);
  out.info(`${args.name}: removed from ${args.device}`);
  out.result({ ok: true, device: args.device, name: args.name });
});

/** `ocre device rollback`. */
export const rollback = defineCommand(sub(deviceCommand, "rollback"), async (args, out) => {
  const { rollbackOnDevice, parseDeviceAddress } = await import("../deploy/index.js");
  const now = await rollbackOnDevice(parseDeviceAddress(args.device), args.name);
  out.info(`${args.name}: rolled back on ${args.device}; ${now.digest} runs (version ${now.seq})`);
  out.print(now.digest);
  out.result({ ok: true, device: args.device, name: args.name, entry: now });
});
