/**
 * The SDK on both runtimes, under the real simulator: ocre's (the default profile) and a stock
 * upstream Ocre 0.7 device (`runtime: "upstream-0.7"`). The same app must behave the same where
 * the runtimes agree, and tell the caller what each runtime can tell where they do not.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runContainers } from "../cli/sim/run.js";
import { compileApp, writeFixtureApp } from "./sdk-helpers.js";

const APP = `import { console, messages, run, stop, sleep, uptime } from "ocre";
let seen = 0;
messages.subscribe("a/", (m) => { seen++; console.log("h1 " + m.topic()); if (seen == 2) stop(); });
messages.subscribe("a/b", (m) => { seen++; console.log("h2 " + m.topic()); if (seen == 2) stop(); });
console.log("distinct " + (messages.distinguishesFullQueues() ? "yes" : "no"));
console.log("publish " + messages.publish("a/b/c", "x").toString());
console.log("nobody " + messages.publish("z/z", "x").toString());
console.log("empty type " + messages.publish("a/x", "x", "").toString());
const long = "a/" + "t".repeat(198);
console.log("long topic " + messages.publish(long, "y".repeat(2000)).toString());
run();
let flood = 0;
let code = 0;
messages.subscribe("q/", (m) => {});
while (flood < 64) {
  code = messages.publish("q/1", "z");
  if (code != 0) break;
  flood++;
}
console.log("queued " + flood.toString() + " then " + code.toString());
const t0 = uptime();
sleep(2500);
console.log("slept " + (uptime() - t0 >= 2500 ? "enough" : "short"));
`;

describe("the SDK on ocre's runtime and on upstream Ocre 0.7", () => {
  let wasm: Uint8Array;
  beforeAll(async () => {
    wasm = await compileApp(await writeFixtureApp(APP, { heap: 16384, maxPages: 8 }));
  });

  const runOn = async (runtime: "ocre" | "upstream-0.7") => {
    const run = await runContainers({
      containers: [{ name: "app", wasm, capabilities: ["messaging"], memory: { heapBytes: 16384 } }],
      virtualTime: true,
      timeoutMs: 20_000,
      runtime,
    });
    return run.containers[0]!;
  };

  it("ocre: distinct codes, one call per handler, large messages delivered", async () => {
    const c = await runOn("ocre");
    expect(c.stdout).toBe(
      [
        "distinct yes",
        "publish 0",
        "nobody -2",
        "empty type -22",
        "long topic 0",
        // Subscriptions are matched newest first; the 200-byte topic arrives too.
        "h2 a/b/c",
        "h1 a/b/c",
        `h1 a/${"t".repeat(198)}`,
        "queued 32 then -16",
        "slept enough",
        "",
      ].join("\n"),
    );
    expect(c.exitCode).toBe(0);
  });

  it("upstream: -ENOENT for a full queue, and the SDK hides upstream's duplicate events", async () => {
    const c = await runOn("upstream-0.7");
    expect(c.stdout).toBe(
      [
        "distinct no",
        "publish 0",
        "nobody -2",
        "empty type -22",
        "long topic 0",
        "h2 a/b/c",
        "h1 a/b/c",
        `h1 a/${"t".repeat(198)}`,
        "queued 32 then -2",
        "slept enough",
        "",
      ].join("\n"),
    );
    expect(c.exitCode).toBe(0);
  });
});
