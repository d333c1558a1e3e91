/**
 * The few WASI preview 1 functions the SDK uses, declared directly: AssemblyScript's wasi-shim
 * would bring in ~4 KB of code that a microcontroller container does not need.
 */

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
/** Writes `iovsLen` (ptr, len) pairs to `fd`; the byte count goes to `nwritten`. 0 or a WASI errno. */
export declare function fd_write(fd: i32, iovs: usize, iovsLen: i32, nwritten: usize): i32;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(code: i32): void;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
/** Clock 0 realtime, 1 monotonic; nanoseconds written as a u64 to `time`. */
export declare function clock_time_get(clockId: i32, precision: i64, time: usize): i32;
