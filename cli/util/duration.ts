import { OcreError } from "../errors.js";

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * A duration given on the command line (`--timeout`, `--duration`, `--for`) in milliseconds.
 * It must carry its unit: a bare `10` meant milliseconds to `ocre run` and seconds to
 * `ocre emulate`, so every command now refuses it and says how to write it.
 */
export function parseFlagDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/.exec(text);
  if (!match) {
    throw new OcreError("OCRE_FLAG_INVALID", `${flag} ${JSON.stringify(text)} is not a duration`, {
      hint: `write a number with a unit: ${flag} 500ms, ${flag} 10s, ${flag} 2m or ${flag} 24h`,
    });
  }
  if (match[2] === undefined) {
    throw new OcreError("OCRE_FLAG_INVALID", `${flag} ${match[1]} has no unit`, {
      hint: `write ${flag} ${match[1]}s for seconds or ${flag} ${match[1]}ms for milliseconds`,
    });
  }
  const ms = Number(match[1]) * UNITS[match[2]]!;
  if (!(ms > 0))
    throw new OcreError("OCRE_FLAG_INVALID", `${flag} must be longer than 0`, { hint: `e.g. ${flag} 10s` });
  return ms;
}
