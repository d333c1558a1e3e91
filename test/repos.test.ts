import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WAMR_REPO_URL, ZEPHYR_REPO_URL } from "../cli/boards/zephyr.js";
import { repoRoot } from "./helpers/cli.js";

/**
 * Zephyr's and WAMR's repository URLs have one source (cli/boards/zephyr.ts), which the generated
 * west.yml and doctor's fixes use. The docs copy them by hand: this fails when a copy goes stale.
 */
describe("repository URLs", () => {
  it("docs and the README name Zephyr and WAMR at the URLs the generated west.yml uses", async () => {
    const files = [
      path.join(repoRoot, "README.md"),
      ...(await readdir(path.join(repoRoot, "docs"))).map((f) => path.join(repoRoot, "docs", f)),
    ].filter((f) => f.endsWith(".md") && !f.endsWith("changelog.md"));
    const stale: string[] = [];
    for (const file of files) {
      const text = await readFile(file, "utf8");
      for (const m of text.matchAll(/https:\/\/github\.com\/[\w.-]+\/(zephyr|wasm-micro-runtime)(?![\w.-])/g)) {
        const wanted = m[1] === "zephyr" ? ZEPHYR_REPO_URL : WAMR_REPO_URL;
        if (m[0] !== wanted) stale.push(`${path.relative(repoRoot, file)}: ${m[0]} (want ${wanted})`);
      }
    }
    expect(stale).toEqual([]);
  });
});
