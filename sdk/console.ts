import { fd_write } from "./bindings/wasi";
import { encodeUtf8, encodedUpTo, scratch, SCRATCH_SIZE } from "./cstring";
import { TextBuffer } from "./text";

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

/** Two iovecs (the text, then the newline) and the nwritten out-value, in static memory. */
// @ts-ignore: decorator
@lazy const textIov: usize = memory.data(20, 4);
// @ts-ignore: decorator
@lazy const newline: usize = memory.data<u8>([0x0a]);

/** Writes the text's bytes and a newline to `fd` in one fd_write call (one line, not split). */
function writeText(fd: i32, text: TextBuffer): void {
  store<usize>(textIov, text.ptr);
  store<usize>(textIov, text.length, 4);
  store<usize>(textIov, newline, 8);
  store<usize>(textIov, 1, 12);
  fd_write(fd, textIov, 2, textIov + 16);
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

  /** Prints the text in `text` and a newline on stdout, without allocating. */
  export function logText(text: TextBuffer): void {
    writeText(1, text);
  }

  /** Prints the text in `text` and a newline on stderr, without allocating. */
  export function errorText(text: TextBuffer): void {
    writeText(2, text);
  }
}
