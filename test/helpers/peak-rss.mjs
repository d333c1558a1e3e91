// Preloaded (`node --import`) into an ocre process under test: at exit, writes the process's
// peak resident set size in KiB to $OCRE_TEST_RSS_FILE, so a test or bench can bound memory.
// VmHWM from /proc, not process.resourceUsage().maxRSS: Linux carries ru_maxrss over from the
// parent across fork and exec, so a child of a big test process would report the parent's peak.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.env.OCRE_TEST_RSS_FILE;
if (file) {
  process.on("exit", () => {
    let kib = process.resourceUsage().maxRSS;
    try {
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
      if (match) kib = Number(match[1]);
    } catch {
      // No /proc (not Linux): maxRSS is the best there is.
    }
    writeFileSync(file, String(kib));
  });
}
