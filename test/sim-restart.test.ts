/**
 * `ocre run` applies ocre.yaml's restart policy as the device does (wamr-glue/src/ocre_policy.c,
 * ocre_container.c): which ends restart a container, the back-off (100 ms, doubling per quick
 * failure), the `restarted` health events (cli/abi/health.ts) and the exit codes.
 */
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseHealth } from "../cli/abi/health.js";
import { runOcre } from "./helpers/cli.js";
import { writeFixtureApp } from "./sdk-helpers.js";

/** Prints a tick a second; at the third it traps, or with `exits` returns from _start (exit 0). */
const app = (exits: boolean) => `import { console, Timer, run, stop } from "ocre";
let ticks = 0;
Timer.every(1000, (): void => {
  ticks++;
  console.log("tick " + ticks.toString());
  if (ticks == 3) ${exits ? "stop()" : "unreachable()"};
});
run();`;

async function appWith(policy: string, exits = false): Promise<string> {
  const dir = await writeFixtureApp(app(exits), { capabilities: ["timers"], initialPages: 1, maxPages: 1, heap: 0 });
  if (policy !== "") await appendFile(path.join(dir, "ocre.yaml"), `restart: ${policy}\n`);
  return dir;
}

const run = (dir: string, ...flags: string[]) =>
  runOcre(["run", "--virtual-time", "--duration", "10s", ...flags], { cwd: dir });
const ticks = (n: number) =>
  [1, 2, 3]
    .map((i) => `tick ${i}\n`)
    .join("")
    .repeat(n)
    .trimEnd();
const TRAP = (at: string) =>
  new RegExp(`^error fixture: trapped at ${at}: unreachable( in \\S+)? \\(exit 134\\)$`, "m");

describe("restart policies under ocre run", () => {
  it("no (the default): a trap ends the container and the run, exit 134", async () => {
    const r = await run(await appWith(""));
    expect(r.stdout).toBe(ticks(1));
    expect(r.stderr).toMatch(TRAP("3.000s"));
    expect(r.stderr).not.toMatch(/restart/);
    expect(r.stderr).toMatch(/1 container, 3\.000s of virtual time .*; exit 134$/m);
    expect(r.exitCode).toBe(134);
  }, 60_000);

  it("on-failure: restarted after 100, 200, 400 ms; the first failed run's code is the exit code", async () => {
    const dir = await appWith("on-failure");
    const r = await run(dir);
    // runs at 0, 3.1 and 6.3 s trap after three ticks; the fourth (9.7 s) is stopped at 10 s
    expect(r.stdout).toBe(ticks(3));
    for (const at of ["3.000s", "6.100s", "9.300s"]) expect(r.stderr).toMatch(TRAP(at));
    expect(r.stderr).toContain("fixture: restart 1 in 100 ms at 3.100s (restart: on-failure)\n");
    expect(r.stderr).toContain("fixture: restart 2 in 200 ms at 6.300s (restart: on-failure)\n");
    expect(r.stderr).toContain("fixture: restart 3 in 400 ms at 9.700s (restart: on-failure)\n");
    expect(r.stderr).toMatch(/1 container, 10\.000s of virtual time .*; exit 134$/m);
    expect(r.exitCode).toBe(134);

    // The health events, as the device publishes them (test/c-shim.test.ts checks the C side).
    const json = await run(dir, "--json");
    const result = JSON.parse(json.stdout) as {
      health: { timeMs: number; payload: string }[];
      containers: { status: string; exitCode: number; restarts: number }[];
    };
    expect(result.containers[0]).toMatchObject({ status: "stopped", exitCode: 0, restarts: 3 });
    const events = result.health.map((h) => parseHealth(h.payload)!);
    // (memory_bytes is not compared: the simulator adds pages of its own, e.g. for asyncify)
    const line = (e: NonNullable<ReturnType<typeof parseHealth>>) =>
      [
        e.uptimeMs,
        e.event,
        ...Object.entries(e.fields)
          .filter(([k]) => k !== "memory_bytes")
          .map(([, v]) => v),
      ].join(" ");
    expect(events.map(line)).toEqual([
      "0 started 1",
      "3000 trapped 3000 unreachable",
      "3000 exited 134 3000 0",
      "3000 restarted 1 100",
      "3100 started 2",
      "6100 trapped 3000 unreachable",
      "6100 exited 134 3000 0",
      "6100 restarted 2 200",
      "6300 started 3",
      "9300 trapped 3000 unreachable",
      "9300 exited 134 3000 0",
      "9300 restarted 3 400",
      "9700 started 4",
    ]);
    expect(json.exitCode).toBe(134);
  }, 120_000);

  it("on-failure: a clean exit (code 0) is not restarted", async () => {
    const r = await run(await appWith("on-failure", true));
    expect(r.stdout).toBe(ticks(1));
    expect(r.stderr).not.toMatch(/restart/);
    expect(r.exitCode).toBe(0);
  }, 60_000);

  it("always: a clean exit is restarted too, and the run exits 0", async () => {
    const r = await run(await appWith("always", true));
    expect(r.stdout).toBe(ticks(3));
    expect(r.stderr).toContain("fixture: restart 1 in 100 ms at 3.100s (restart: always)\n");
    expect(r.stderr).toContain("fixture: restart 3 in 400 ms at 9.700s (restart: always)\n");
    expect(r.stderr).not.toMatch(/error/);
    expect(r.exitCode).toBe(0);
  }, 60_000);

  it("always: a trap is restarted as under on-failure", async () => {
    const r = await run(await appWith("always"));
    expect(r.stdout).toBe(ticks(3));
    expect(r.stderr).toContain("fixture: restart 2 in 200 ms at 6.300s (restart: always)\n");
    expect(r.exitCode).toBe(134);
  }, 60_000);
});
