import { loadBoard } from "./board.js";
import { Simulation } from "./simulation.js";
import type { RunOptions, RunResult } from "./types.js";
import { checkPreopens } from "./wasi-fs.js";

export type * from "./types.js";
export { parseSensorTrace, loadSensorTrace, type SensorTrace, type SensorSample } from "./sensor-trace.js";
export { parseGpioScript, loadGpioScript, type GpioScriptStep } from "./gpio-script.js";
export { loadBoard, simBoard, type Board } from "./board.js";

/**
 * Runs containers on the host with the device's ABI and limits, and returns what they did:
 * output, exit codes, GPIO changes, warnings and (with `trace: true`) every host call.
 * Never prints and never exits the process; live output goes to `onEvent`.
 *
 * ```ts
 * const run = await runContainers({ containers: [{ name: "blinky", wasm, capabilities: ["gpio", "timers"] }],
 *   virtualTime: true, durationMs: 10_000 });
 * expect(run.gpio.filter((g) => g.alias === "led0")).toHaveLength(10);
 * ```
 */
export async function runContainers(options: RunOptions): Promise<RunResult> {
  const wallStart = performance.now();
  const board = options.board ?? (await loadBoard());
  const sim = new Simulation(
    board,
    options.dirs === undefined ? options : { ...options, dirs: checkPreopens(options.dirs) },
  );
  const loadStart = performance.now();
  sim.load(options.containers);
  const loadWallMs = performance.now() - loadStart;
  await sim.run();
  for (const message of sim.sensors.unreadTrace()) sim.warn(undefined, message);
  return {
    exitCode: sim.exitCode,
    containers: sim.results(),
    gpio: sim.gpio.changes,
    health: sim.health,
    trace: sim.trace,
    warnings: sim.warnings,
    appTimeMs: sim.now(),
    wallTimeMs: performance.now() - wallStart,
    loadWallMs,
    virtualTime: sim.virtual,
  };
}
