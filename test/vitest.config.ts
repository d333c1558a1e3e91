import { defineConfig } from "vitest/config";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig({
  root,
  test: {
    include: ["test/**/*.test.ts"],
    // The CLI runs from its bundle (dist/bin/): rebuilt here when dist/cli/ is newer.
    globalSetup: ["test/bundle-setup.mjs"],
    // Builds, cross-compilers and registries are real processes: give them time, and keep the
    // 2-core CI machine from thrashing.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
