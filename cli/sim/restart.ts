/**
 * The device's restart policy (wamr-glue/src/ocre_policy.c, ocre_container.c), for `ocre run`:
 * which ends restart a container, and after how long. Pure: the simulation keeps the state.
 */
import { RESTART_BACKOFF } from "../abi/contract.js";
import type { RestartPolicy } from "../spec.js";

const { OCRE_BACKOFF_BASE_MS, OCRE_BACKOFF_MAX_MS, OCRE_BACKOFF_STABLE_MS } = RESTART_BACKOFF;

/** ocre_restart_wanted: never after a stop; "always" after any end; "on-failure" after a non-zero code. */
export function restartWanted(policy: RestartPolicy, exitCode: number, stopped: boolean): boolean {
  if (stopped) return false;
  return policy === "always" || (policy === "on-failure" && exitCode !== 0);
}

/** ocre_restart_delay_ms: BASE << failures, capped at MAX. */
export function restartDelayMs(failures: number): number {
  if (failures >= 16) return OCRE_BACKOFF_MAX_MS;
  return Math.min(OCRE_BACKOFF_BASE_MS * 2 ** failures, OCRE_BACKOFF_MAX_MS);
}

/**
 * The back-off after a run of `ranMs` (container_thread): a run of STABLE ms or more resets the
 * count of consecutive failures, a shorter one adds to it.
 */
export function nextBackoff(failures: number, ranMs: number): { failures: number; delayMs: number } {
  const next = ranMs >= OCRE_BACKOFF_STABLE_MS ? 0 : failures + 1;
  return { failures: next, delayMs: restartDelayMs(next > 0 ? next - 1 : 0) };
}
