import { OcreError } from "../errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** "250ms", "10s", "1.5m", "24h" or a bare number of milliseconds → milliseconds. */
export function parseDuration(text: string | number, what = "duration"): number {
  if (typeof text === "number" && Number.isFinite(text) && text >= 0) return text;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/.exec(String(text));
  if (!match) {
    throw new OcreError("OCRE_RUN_BAD_DURATION", `${what} "${text}" is not a duration`, {
      hint: "use a number with a unit: 500ms, 10s, 2m, 24h",
    });
  }
  return Number(match[1]) * UNITS[match[2] ?? "ms"]!;
}
