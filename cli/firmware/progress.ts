import type { Output } from "../ui/output.js";
import type { FirmwareLogger } from "./build.js";

/**
 * A firmware logger over the CLI's Output: on a terminal, progress is one line rewritten in
 * place (cleared before any other line), and size reports get bars; elsewhere progress lines
 * are verbose-only so CI logs stay short (the full log is in build.log).
 */
export function firmwareLogger(out: Output, stream: NodeJS.WriteStream = process.stderr): FirmwareLogger {
  let shown = false;
  const clear = (): void => {
    if (shown) stream.write("\r\u001b[K");
    shown = false;
  };
  return {
    info: (line) => {
      clear();
      out.info(line);
    },
    warn: (line) => {
      clear();
      out.warn(line);
    },
    debug: (line) => {
      clear();
      out.debug(line);
    },
    progress: (line) => {
      if (!out.interactive) return out.debug(line);
      // A pty without a size reports 0 columns: assume a common width then.
      const width = (stream.columns !== undefined && stream.columns > 20 ? stream.columns : 100) - 1;
      stream.write(`\r\u001b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      shown = true;
    },
    bars: out.interactive,
  };
}
