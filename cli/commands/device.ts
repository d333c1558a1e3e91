import { OcreError } from "../errors.js";
import { defineCommand } from "./define.js";
import { deviceCommand, sub } from "./grammar.js";

/** `ocre device ls` (options: cli/commands/grammar.ts). */
export const ls = defineCommand(sub(deviceCommand, "ls"), async (args, out) => {
  const { listDevice, parseDeviceAddress } = await import("../deploy/index.js");
  const entries = await listDevice(parseDeviceAddress(args.device, args.cwd));
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
  await removeFromDevice(parseDeviceAddress(args.device, args.cwd), args.name);
  out.info(`${args.name}: removed from ${args.device}`);
  out.result({ ok: true, device: args.device, name: args.name });
});

/** `ocre device rollback`. */
export const rollback = defineCommand(sub(deviceCommand, "rollback"), async (args, out) => {
  const { rollbackOnDevice, parseDeviceAddress } = await import("../deploy/index.js");
  const now = await rollbackOnDevice(parseDeviceAddress(args.device, args.cwd), args.name);
  out.info(`${args.name}: rolled back on ${args.device}; ${now.digest} runs (version ${now.seq})`);
  out.print(now.digest);
  out.result({ ok: true, device: args.device, name: args.name, entry: now });
});

/** `ocre device logs`. */
export const logs = defineCommand(sub(deviceCommand, "logs"), async (args, out) => {
  const { parseDeviceAddress } = await import("../deploy/index.js");
  const { followDeviceLogs, formatLogEntry, readDeviceLogs } = await import("../deploy/logs.js");
  const { escapeJson } = await import("../ui/escape.js");
  const address = parseDeviceAddress(args.device, args.cwd);
  const since = args.since ?? 0;
  if (!Number.isInteger(since) || since < 0 || since > 0xffff_ffff)
    throw new OcreError("OCRE_FLAG_INVALID", `--since ${String(args.since)} is not a sequence number`, {
      hint: "give the `next` of an earlier `ocre device logs --json` (0 or more)",
    });
  if (!args.follow) {
    const got = await readDeviceLogs(address, since);
    if (got.missed > 0) out.warn(`${got.missed} earlier entries were overwritten on the device before they were read`);
    // Text from the device is escaped by deploy/logs.ts.
    if (got.entries.length === 0) out.info("the device's log is empty");
    else out.print(got.entries.map(formatLogEntry).join("\n"));
    out.result({ ok: true, device: args.device, ...got });
    return;
  }
  const { interruptSignal } = await import("../ui/interrupt.js");
  // --follow --json: one JSON object per line (JSON lines), as entries arrive.
  await followDeviceLogs(address, {
    since,
    signal: interruptSignal(),
    onEntries: (entries) => {
      for (const e of entries)
        if (out.json) process.stdout.write(`${escapeJson(e, 0)}\n`);
        else out.print(formatLogEntry(e));
    },
    onGap: (gap) =>
      out.warn(
        "restarted" in gap
          ? "the device restarted; its log starts again"
          : `${gap.missed} entries were overwritten on the device before they were read`,
      ),
  });
});
