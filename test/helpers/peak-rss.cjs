// Preloaded (`node --require`) into an ocre process under test: at exit, writes the process's
// peak resident set size in KiB to $OCRE_TEST_RSS_FILE, so a test or bench can bound memory.
const { writeFileSync } = require("node:fs");
const file = process.env.OCRE_TEST_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
