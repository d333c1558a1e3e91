import { fd_write } from "./bindings/wasi";
import { encodeUtf8, encodedUpTo, scratch, SCRATCH_SIZE } from "./cstring";

/** iovec { buf, len } and the nwritten out-value, in static memory. */
// @ts-ignore: decorator
@lazy const iov: usize = memory.data(12, 4);

/**
 * Writes `s` and a newline to `fd` through WASI fd_write, encoding into the static scratch
 * buffer chunk by chunk: no allocation, whatever the string's length.
 */
function writeLine(fd: i32, s: string): void {
  let from = 0;
  do {
    let len = encodeUtf8(s, from, scratch, SCRATCH_SIZE - 1);
    from = encodedUpTo;
    if (from >= s.length) store<u8>(scratch + len++, 0x0a);
    store<usize>(iov, scratch);
    store<usize>(iov, len, 4);
    fd_write(fd, iov, 1, iov + 8);
  } while (from < s.length);
}

/** Console output: stdout and stderr of the container (the device's log on Ocre). */
export namespace console {
  /** Prints `message` and a newline on stdout. */
  export function log(message: string): void {
    writeLine(1, message);
  }

  /** Prints `message` and a newline on stderr. */
  export function error(message: string): void {
    writeLine(2, message);
  }
}
