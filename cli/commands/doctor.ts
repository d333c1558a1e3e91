import { defineCommand } from "./define.js";
import { doctorCommand } from "./grammar.js";
import { boardRootsOf as roots } from "./board-roots.js";
import { loadAllFirmwareBoards, loadFirmwareBoard } from "../firmware/board.js";
import { runDoctor, type DoctorCheck } from "../firmware/doctor/doctor.js";
import type { Style } from "../ui/output.js";

function statusText(check: DoctorCheck, style: Style): string {
  if (check.status === "ok") return check.warning ? style.yellow("OK*") : style.green("OK");
  const text = check.status === "missing" ? "missing" : "wrong version";
  return check.required ? style.red(text) : style.yellow(text);
}

/** The table: status, check, what was found, and under each problem the command that fixes it. */
function table(checks: readonly DoctorCheck[], style: Style): string {
  const rows = checks.map((c) => ({
    status: statusText(c, style),
    plain: c.status === "ok" ? (c.warning ? "OK*" : "OK") : c.status === "missing" ? "missing" : "wrong version",
    label: c.required ? c.label : `${c.label} (optional)`,
    found: [c.version, c.path ?? c.detail].filter(Boolean).join("  "),
    check: c,
  }));
  const w1 = Math.max(...rows.map((r) => r.plain.length));
  const w2 = Math.max(...rows.map((r) => r.label.length));
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${r.status}${" ".repeat(w1 - r.plain.length)}  ${r.label.padEnd(w2)}  ${r.found}`);
    const pad = " ".repeat(w1 + 2);
    if (r.check.status !== "ok" && r.check.detail && r.check.path) lines.push(`${pad}${style.dim(r.check.detail)}`);
    if (r.check.status === "ok" && r.check.detail && r.check.path) lines.push(`${pad}${style.dim(r.check.detail)}`);
    if (r.check.warning) lines.push(`${pad}${style.yellow(`note: ${r.check.warning}`)}`);
    if (r.check.status !== "ok" && r.check.fix) lines.push(`${pad}${style.cyan("fix:")} ${r.check.fix}`);
  }
  return lines.join("\n");
}

/** `ocre doctor` (options: cli/commands/grammar.ts). */
export const run = defineCommand(doctorCommand, async (args, out) => {
  const board =
    args.board === undefined
      ? undefined
      : await loadFirmwareBoard(args.board, { appDir: args.cwd, boardRoots: roots(args) });
  const boards = board ? [board] : await loadAllFirmwareBoards({ appDir: args.cwd, boardRoots: roots(args) });
  const report = await runDoctor({
    cwd: args.cwd,
    ...(board ? { board } : { boards }),
    ...(args.toolchain ? { toolchain: args.toolchain } : {}),
  });
  out.result(report);
  const title = board
    ? `ocre doctor for ${board.id} (${board.zephyrBoard})`
    : "ocre doctor (all architectures; pass --board to check one)";
  out.print(`${out.style.bold(title)}\n${table(report.checks, out.style)}`);
  if (report.boardStatus) {
    const e = report.boardStatus.evidence;
    out.print(
      `\nboard status: ${report.boardStatus.status}${e ? `, shown by ${e.kind === "test" ? "the test" : "a manual build"} on ${e.date}${e.zephyr ? ` (Zephyr ${e.zephyr})` : ""}: ${e.check}` : ""}`,
    );
  }
  const blocking = report.checks.filter((c) => c.required && c.status !== "ok");
  if (blocking.length > 0) {
    out.print(
      `\n${out.style.red(`${blocking.length} required item${blocking.length === 1 ? "" : "s"} missing`)}: ${blocking.map((c) => c.label).join(", ")}`,
    );
    return 1;
  }
  out.print(
    `\n${out.style.green("ready")}${report.toolchain ? `: builds use ${report.toolchain.kind} (${report.toolchain.variant})` : ""}`,
  );
  return 0;
});
