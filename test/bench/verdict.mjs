// What every bench shares: the median it compares, and the way it ends. The load average is
// printed with the verdict so that a figure can be judged against how busy the machine was.
import os from "node:os";

/** Median of a non-empty list of numbers (upper median for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Prints the machine's load and the missed targets, and sets exit code 1 when any was missed. */
export function verdict(missed) {
  console.log(
    `load average: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on ${os.cpus().length} cores`,
  );
  if (missed.length > 0) {
    console.log(`\nMissed targets:\n  ${missed.join("\n  ")}`);
    process.exitCode = 1;
  }
}
