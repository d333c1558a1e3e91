import { open } from "node:fs/promises";
import path from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import { OcreError } from "../errors.js";
import { fileError } from "../util/fs-errors.js";

/**
 * Largest prebuilt module `ocre build` reads: a container's whole memory is at most 64 pages
 * (4 MiB), and its code lives in a device's flash; anything larger is not an Ocre container.
 */
export const MAX_PREBUILT_BYTES = 4 * 1024 * 1024;

/** An ocre.yaml whose entry is a `.wasm` names a prebuilt module (C, Rust, TinyGo…), not a source. */
export function isPrebuiltEntry(entry: string): boolean {
  return /\.wasm$/i.test(entry);
}

/**
 * Reads the prebuilt module an ocre.yaml names, bounded by MAX_PREBUILT_BYTES. Its bytes are
 * taken as they are (no optimisation: the image carries exactly what the developer's toolchain
 * wrote); validate() then checks it like an AssemblyScript app's output.
 */
export async function readPrebuilt(config: ResolvedConfig): Promise<Uint8Array> {
  const rel = path.relative(config.appDir, config.entry);
  let handle;
  try {
    handle = await open(config.entry, "r");
  } catch (error) {
    throw fileError(error, config.entry, "cannot read");
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_PREBUILT_BYTES) {
      throw new OcreError(
        "OCRE_ENTRY_TOO_LARGE",
        `${rel} is ${size} bytes, over the ${MAX_PREBUILT_BYTES}-byte limit for a container`,
        { hint: "an Ocre container's code and memory fit a device; build it with -Os and without debug sections" },
      );
    }
    // Read one byte more than the limit, so a file that grows after stat() is caught too.
    const buffer = Buffer.alloc(Math.min(size, MAX_PREBUILT_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) {
        throw new OcreError("OCRE_ENTRY_TOO_LARGE", `${rel} changed size while it was read`, {
          hint: "build the module before running `ocre build`, not during it",
        });
      }
    }
    return new Uint8Array(buffer.subarray(0, length));
  } finally {
    await handle.close();
  }
}
