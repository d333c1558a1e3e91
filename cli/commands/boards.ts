import { defineCommand } from "./define.js";
import { boardsCommand, sub } from "./grammar.js";
import { filterByArch, findBoard, loadCatalog } from "../boards/catalog.js";
import type { LoadedBoard } from "../boards/types.js";
import { DEFAULT_BOARD, resolveZephyrRelease, boardTarget } from "../boards/zephyr.js";

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n");
}

function summary(b: LoadedBoard, zephyr: string) {
  const release = resolveZephyrRelease(zephyr);
  const target = safeTarget(b, release);
  return {
    id: b.board.id,
    name: b.board.name,
    arch: b.board.arch,
    zephyrBoard: target ?? null,
    ramKb: b.board.memory.ramKb,
    flashKb: b.board.memory.flashKb,
    wamrTarget: b.board.wamrTarget,
    status: b.board.status,
    evidence: b.board.evidence ?? null,
    default: b.board.id === DEFAULT_BOARD,
    source: b.source,
    file: b.file,
  };
}

function safeTarget(b: LoadedBoard, release: ReturnType<typeof resolveZephyrRelease>): string | undefined {
  try {
    return boardTarget(b.board, release).board;
  } catch {
    return undefined;
  }
}

/** `ocre boards` (options: cli/commands/grammar.ts). */
export const list = defineCommand(boardsCommand, async (args, out) => {
  const catalog = await loadCatalog({ appDir: args.cwd, boardRoots: args["board-root"] });
  const boards = filterByArch(catalog, args.arch).map((b) => summary(b, args.zephyr));
  out.result({ ok: true, zephyr: resolveZephyrRelease(args.zephyr).zephyrRevision, boards });
  const rows = [
    ["ID", "ZEPHYR BOARD", "ARCH", "RAM", "FLASH", "WAMR", "STATUS", "SHOWN BY"],
    ...boards.map((b) => [
      b.default ? `${b.id} (default)` : b.id,
      b.zephyrBoard ?? "-",
      b.arch,
      `${b.ramKb} KB`,
      `${b.flashKb} KB`,
      b.wamrTarget,
      b.source === "built-in" ? b.status : `${b.status} [${b.source}]`,
      b.evidence ? `${b.evidence.kind === "test" ? b.evidence.check : "manual build"} ${b.evidence.date}` : "-",
    ]),
  ];
  out.print(table(rows));
});

/** `ocre boards show`. */
export const show = defineCommand(sub(boardsCommand, "show"), async (args, out) => {
  const catalog = await loadCatalog({ appDir: args.cwd, boardRoots: args["board-root"] });
  const found = findBoard(catalog, args.id);
  out.result({ ok: true, file: found.file, source: found.source, board: found.board });
  const b = found.board;
  const lines = [
    `${out.style.bold(b.id)}  ${b.name} (${b.vendor})`,
    `  file        ${found.file}${found.source === "built-in" ? "" : ` [${found.source}]`}`,
    `  status      ${b.status}${b.statusNote ? `: ${b.statusNote}` : ""}`,
    ...(b.evidence
      ? [
          `  shown by    ${b.evidence.kind === "test" ? "test" : "manual build"} ${b.evidence.date}${b.evidence.zephyr ? ` (Zephyr ${b.evidence.zephyr})` : ""}: ${b.evidence.check}`,
        ]
      : []),
    `  core        ${b.arch} (${b.cpu}, ${b.floatAbi}-float), WAMR ${b.wamrTarget}, ${b.interpreter} interpreter`,
    ...b.zephyr.map(
      (t) =>
        `  zephyr      ${t.since}${t.until ? `–${t.until}` : "+"}: ${t.board}${t.modules.length ? ` (modules: ${t.modules.join(", ")})` : ""}`,
    ),
    `  memory      ${b.memory.ramKb} KB RAM, ${b.memory.flashKb} KB flash (Zephyr baseline ~${b.memory.baseline.ramKb} KB RAM, ~${b.memory.baseline.flashKb} KB flash)`,
    `  limits      heap pool ${b.limits.heapPoolKb} KB, WAMR stack ${b.limits.stackBytes} B, ${b.limits.maxPages} page(s)`,
    `  aliases     ${b.aliases.join(", ") || "-"}`,
    `  sensors     ${b.sensors.join(", ") || "-"}`,
    `  emulator    ${b.emulator?.command ?? "-"}`,
    `  toolchain   Zephyr SDK ${b.toolchain.zephyrSdk}; Debian ${b.toolchain.debian ? `${b.toolchain.debian.packages.join(", ")} (${b.toolchain.debian.variant})` : "none"}`,
    ...(b.kconfig.length ? [`  kconfig     ${b.kconfig.join(" ")}`] : []),
  ];
  out.print(lines.join("\n"));
});

/** `ocre boards add`. */
export const add = defineCommand(sub(boardsCommand, "add"), async (args, out) => {
  const catalog = await loadCatalog({ appDir: args.cwd, boardRoots: args["board-root"] });
  const { addBoard } = await import("../boards/scaffold.js");
  const result = await addBoard(catalog, { id: args.id, from: args.from, appDir: args.cwd, force: args.force });
  out.result({ ok: true, file: result.file, board: result.board.board });
  out.print(`created ${result.file} (copy of ${args.from}); edit it, then \`ocre build --board ${args.id}\``);
});
