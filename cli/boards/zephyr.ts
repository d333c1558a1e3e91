import { OcreError } from "../errors.js";
import { closest } from "../util/suggest.js";
import type { Board, ZephyrTarget } from "./types.js";

/**
 * The Zephyr releases a generated project can pin, with the WAMR revision that builds on each.
 * Facts: ../shared/reference/zephyr-targets.md.
 * - 3.7 LTS: v3.7.1 + WAMR-2.4.5 (verified here: boots on Cortex-M33 and RISC-V in QEMU).
 * - 4.4: v4.4.0 + WAMR main at d0f2dab2c (#4918, "v4.4 migration fixes"), the first commit with
 *   the fixes for Zephyr 4.4's stricter compiler policy; WAMR-2.4.5 lacks them. Later main
 *   commits (from f499f4c1b, #5026) turn WAMR into a real Zephyr module (`build: cmake: zephyr`),
 *   which would build WAMR a second time next to the ocre module; this commit still declares
 *   `cmake-ext`/`kconfig-ext`, which Zephyr skips when it has no glue for it (no
 *   modules/wasm-micro-runtime in Zephyr 3.7 or 4.4), so the ocre module alone builds WAMR.
 */
export interface ZephyrRelease {
  /** "3.7", "4.4": what `--zephyr` takes. */
  readonly version: string;
  readonly zephyrRevision: string;
  readonly wamrRevision: string;
  readonly note: string;
}

export const ZEPHYR_RELEASES: readonly ZephyrRelease[] = Object.freeze([
  Object.freeze({
    version: "3.7",
    zephyrRevision: "v3.7.1",
    wamrRevision: "WAMR-2.4.5",
    note: "Zephyr 3.7 LTS with the WAMR-2.4.5 release",
  }),
  Object.freeze({
    version: "4.4",
    zephyrRevision: "v4.4.0",
    wamrRevision: "d0f2dab2c1c6a0aa63eee33787c50672c209d1a9",
    note: "Zephyr 4.4 with WAMR main at d0f2dab2c (Zephyr 4.4 fixes, #4918; not in WAMR-2.4.5)",
  }),
]);

export const DEFAULT_ZEPHYR = "3.7";
export const DEFAULT_BOARD = "mps2-an521";
/**
 * Where Zephyr and WAMR live: the one source for the generated west.yml's remotes, doctor's fix
 * commands and docs/ci.md (test/repos.test.ts checks the docs). WAMR moved from
 * github.com/bytecodealliance to its own organisation; the old URL redirects.
 */
export const ZEPHYR_URL_BASE = "https://github.com/zephyrproject-rtos";
export const WAMR_URL_BASE = "https://github.com/wasm-micro-runtime";
export const ZEPHYR_REPO_URL = `${ZEPHYR_URL_BASE}/zephyr`;
export const WAMR_REPO_URL = `${WAMR_URL_BASE}/wasm-micro-runtime`;

/** Accepts "3.7", "3.7.1", "v3.7.1", "4.4", "v4.4.0". */
export function resolveZephyrRelease(input: string | undefined): ZephyrRelease {
  const wanted = (input ?? DEFAULT_ZEPHYR).trim().replace(/^v/i, "");
  const match = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(wanted);
  const release = match ? ZEPHYR_RELEASES.find((r) => r.version === `${match[1]}.${match[2]}`) : undefined;
  if (release && (wanted === release.version || `v${wanted}` === release.zephyrRevision)) return release;
  const versions = ZEPHYR_RELEASES.map((r) => r.version);
  const near = closest(wanted, versions);
  throw new OcreError("OCRE_ZEPHYR_VERSION", `no supported Zephyr version "${input ?? ""}"`, {
    hint: `use --zephyr ${(near.length > 0 ? near : versions).join(" or --zephyr ")} (supported: ${ZEPHYR_RELEASES.map((r) => r.zephyrRevision).join(", ")})`,
  });
}

function versionKey(v: string): number {
  const [major = "0", minor = "0"] = v.split(".");
  return Number(major) * 1000 + Number(minor);
}

/** Whether `version` (major.minor) falls in the target's inclusive range. */
export function targetCovers(target: ZephyrTarget, version: string): boolean {
  const key = versionKey(version);
  return key >= versionKey(target.since) && (target.until === undefined || key <= versionKey(target.until));
}

/** The board's Zephyr target for a release, or an error naming the versions the board supports. */
export function boardTarget(board: Board, release: ZephyrRelease): ZephyrTarget {
  const target = board.zephyr.find((t) => targetCovers(t, release.version));
  if (target) return target;
  const ranges = board.zephyr.map((t) => (t.until ? `${t.since}–${t.until}` : `${t.since}+`)).join(", ");
  throw new OcreError("OCRE_BOARD_ZEPHYR", `board ${board.id} has no Zephyr target for Zephyr ${release.version}`, {
    hint: `its catalog entry covers Zephyr ${ranges}; pick another --zephyr or add a range to its board file`,
  });
}

/** Ranges must be ordered and must not overlap, so every version maps to at most one target. */
export function rangeProblem(targets: readonly ZephyrTarget[]): string | undefined {
  for (const [i, t] of targets.entries()) {
    if (t.until !== undefined && versionKey(t.until) < versionKey(t.since))
      return `zephyr[${i}]: until ${t.until} is before since ${t.since}`;
    const next = targets[i + 1];
    if (next && (t.until === undefined || versionKey(next.since) <= versionKey(t.until))) {
      return `zephyr[${i + 1}]: range starting ${next.since} overlaps the one before it`;
    }
  }
  return undefined;
}
