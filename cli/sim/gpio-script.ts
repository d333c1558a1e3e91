import { readFile } from "node:fs/promises";
import { OcreError } from "../errors.js";
import { parseDuration } from "./duration.js";

/** At app time `timeMs`, drive input `pin` (a board alias like "sw0", or "port.pin") to `level`. */
export interface GpioScriptStep {
  readonly timeMs: number;
  readonly pin: string;
  readonly level: 0 | 1;
}

function level(value: unknown, where: string): 0 | 1 {
  const v = String(value).toLowerCase();
  if (v === "1" || v === "high" || v === "on" || v === "true") return 1;
  if (v === "0" || v === "low" || v === "off" || v === "false") return 0;
  throw new OcreError("OCRE_RUN_GPIO_SCRIPT", `${where}: level "${String(value)}" is not 0/1/high/low`, {
    hint: "each step is: <time> <pin or alias> <level>, e.g. `500ms sw0 1`",
  });
}

/**
 * Parses a GPIO script: a JSON array of { "t": "500ms", "pin": "sw0", "level": 1 }, or text
 * lines `<time> <pin> <level>` with `#` comments. Steps are sorted by time (stable).
 */
export function parseGpioScript(text: string, source = "gpio script"): GpioScriptStep[] {
  const steps: GpioScriptStep[] = [];
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (error) {
      throw new OcreError("OCRE_RUN_GPIO_SCRIPT", `${source}: invalid JSON (${(error as Error).message})`);
    }
    (doc as unknown[]).forEach((entry, i) => {
      const e = entry as { t?: unknown; time?: unknown; pin?: unknown; level?: unknown };
      const where = `${source} entry ${i + 1}`;
      if (typeof e.pin !== "string" && typeof e.pin !== "number") {
        throw new OcreError("OCRE_RUN_GPIO_SCRIPT", `${where}: missing "pin"`, {
          hint: 'e.g. { "t": "500ms", "pin": "sw0", "level": 1 }',
        });
      }
      steps.push({
        timeMs: parseDuration((e.t ?? e.time ?? 0) as string | number, `${where} time`),
        pin: String(e.pin),
        level: level(e.level, where),
      });
    });
  } else {
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/#.*$/, "").trim();
      if (!line) return;
      const where = `${source}:${i + 1}`;
      const parts = line.split(/[\s,]+/);
      if (parts.length !== 3) {
        throw new OcreError("OCRE_RUN_GPIO_SCRIPT", `${where}: expected "<time> <pin> <level>", got "${line}"`, {
          hint: "e.g. `500ms sw0 1`",
        });
      }
      steps.push({ timeMs: parseDuration(parts[0]!, `${where} time`), pin: parts[1]!, level: level(parts[2], where) });
    });
  }
  return steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.timeMs - b.s.timeMs || a.i - b.i)
    .map(({ s }) => s);
}

export async function loadGpioScript(file: string): Promise<GpioScriptStep[]> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new OcreError("OCRE_RUN_FILE", `cannot read GPIO script ${file}: ${error.code ?? error.message}`);
  });
  return parseGpioScript(text, file);
}
