import { OcreError } from "../errors.js";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** "512MiB", "2GiB", "1.5G", "4096" → bytes. Binary units for K/M/G alone, as `ls -h` prints them. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const value = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new OcreError("OCRE_USAGE", `${flag} takes a size such as 512MiB or 2GiB, not "${text}"`, {
      hint: "units: B, KiB, MiB, GiB (K, M, G mean the same), KB, MB, GB",
    });
  }
  return value;
}
