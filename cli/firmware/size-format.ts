import { COMPONENTS, type RegionUsage, type SizeReport } from "./size.js";

/** Human lines for a size report: one per region, with a bar on a TTY and the component split. */
export interface FormatOptions {
  /** Draw bars (only when a human watches a terminal). */
  readonly bars: boolean;
  readonly width?: number;
}

function kb(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes >= 10 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024).toFixed(1)} KB`;
}

function bar(used: number, total: number, width: number): string {
  const filled = Math.min(width, Math.round((used / total) * width));
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
}

function line(name: string, region: RegionUsage, options: FormatOptions): string {
  const of =
    region.total === null ? "" : ` of ${kb(region.total)} (${((region.used / region.total) * 100).toFixed(1)}%)`;
  const graph = options.bars && region.total !== null ? `${bar(region.used, region.total, options.width ?? 24)} ` : "";
  const split = COMPONENTS.filter((c) => region.components[c] > 0)
    .map((c) => `${c} ${kb(region.components[c])}`)
    .join(", ");
  return `${name.padEnd(5)} ${graph}${kb(region.used)} (${region.used} B)${of}${split ? `  [${split}]` : ""}`;
}

/** Sections in another memory than the region's main one (counted in the split, not in "used"). */
function elsewhere(region: RegionUsage): string[] {
  return region.elsewhere.map(
    (m) =>
      `${" ".repeat(6)}+ ${kb(m.used)} (${m.used} B) in another memory at 0x${m.start.toString(16).padStart(8, "0")}: ${m.sections.join(", ")}`,
  );
}

export function formatSize(report: SizeReport, options: FormatOptions): string[] {
  const lines: string[] = [];
  if (report.xip) lines.push(line("flash", report.flash, options), ...elsewhere(report.flash));
  lines.push(line("RAM", report.ram, options), ...elsewhere(report.ram));
  if (!report.xip) lines.push("(the image is loaded into RAM: no flash region)");
  return lines;
}
