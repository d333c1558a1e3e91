import { ocre_sleep } from "./bindings/env";
import { clock_time_get, proc_exit } from "./bindings/wasi";

/**
 * Longest single ocre_sleep: upstream Ocre on Zephyr sleeps with usleep(), which refuses 1 s or
 * more and returns at once, so longer sleeps are made of shorter ones.
 */
// @ts-ignore: decorator
@inline const MAX_SLEEP_MS: i32 = 999;

/** Blocks the container for `ms` milliseconds (other containers keep running). */
export function sleep(ms: i32): void {
  while (ms > MAX_SLEEP_MS) {
    ocre_sleep(MAX_SLEEP_MS);
    ms -= MAX_SLEEP_MS;
  }
  ocre_sleep(ms);
}

/** Ends the container with `code` (0 success). */
export function exit(code: i32): void {
  proc_exit(code);
}

// @ts-ignore: decorator
@lazy const clockOut: usize = memory.data(8, 8);

/** Milliseconds on the monotonic clock (since boot on a device). */
export function uptime(): i64 {
  clock_time_get(1, 1_000_000, clockOut);
  return load<i64>(clockOut) / 1_000_000;
}
