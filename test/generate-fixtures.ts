import { createHash } from "node:crypto";
import path from "node:path";
import wabtInit from "wabt";
import { findImport, type Feature } from "../cli/abi/table.js";
import { planFor, type BuildPlan, type PlanFlags, type ToolchainKind } from "../cli/config/plan.js";
import type { ResolvedConfig } from "../cli/config/types.js";
import { buildFirmware, type FirmwareReport, type GeneratedProjects } from "../cli/firmware/build.js";
import type { Env } from "../cli/firmware/doctor/probe.js";
import { generateProjects, type BoardsReport } from "../cli/generate/index.js";
import type { ContainerSpec, MemoryLimits } from "../cli/spec.js";

/**
 * Real containers for the generator tests: small modules compiled from WAT with wabt, their
 * features derived from their imports through the ABI table, as the validate stage does.
 */
const wabt = await wabtInit();

export const IMPORTS = {
  timers: `(import "env" "ocre_timer_create" (func (param i32) (result i32)))`,
  gpio: `(import "env" "ocre_gpio_pin_set" (func (param i32 i32 i32) (result i32)))`,
  sensors: `(import "env" "ocre_sensors_init" (func (result i32)))`,
  messaging: `(import "env" "ocre_subscribe_message" (func (param i32) (result i32)))`,
} as const;

export interface SpecOptions {
  name?: string;
  uses?: (keyof typeof IMPORTS)[];
  capabilities?: string[];
  memory?: Partial<MemoryLimits>;
  args?: string[];
  env?: Record<string, string>;
  gpio?: string[];
  restart?: "no" | "on-failure" | "always";
}

export function makeSpec(options: SpecOptions = {}): ContainerSpec {
  const uses = options.uses ?? [];
  const wat = `(module ${uses.map((u) => IMPORTS[u]).join(" ")} (memory 1 4) (func (export "_start")))`;
  const module = wabt.parseWat("fixture.wat", wat);
  const wasm = new Uint8Array(module.toBinary({}).buffer);
  module.destroy();
  const imports = uses.map((u) => ({ module: "env", name: /"env" "([a-z_]+)"/.exec(IMPORTS[u])?.[1] ?? "" }));
  const features = new Set<Feature>(["core"]);
  for (const i of imports) {
    const entry = findImport(i.module, i.name);
    if (entry && "feature" in entry) features.add(entry.feature);
  }
  return {
    name: options.name ?? "hello",
    version: "1.0.0",
    wasm,
    sha256: createHash("sha256").update(wasm).digest("hex"),
    imports,
    exports: ["_start", "memory"],
    features: [...features],
    capabilities: options.capabilities ?? uses,
    memory: { initialPages: 1, maxPages: 1, stackBytes: 8192, heapBytes: 4096, ...options.memory },
    entryPoint: "_start",
    args: options.args ?? [],
    env: options.env ?? {},
    ...(options.gpio ? { gpio: options.gpio } : {}),
    ...(options.restart ? { restart: options.restart } : {}),
  };
}

export function makeConfig(appDir: string, boards: string[] = []): ResolvedConfig {
  return {
    appDir,
    manifestPath: path.join(appDir, "ocre.yaml"),
    buildDir: path.join(appDir, "build"),
    name: "hello",
    version: "1.0.0",
    entry: path.join(appDir, "assembly/index.ts"),
    capabilities: [],
    gpio: undefined,
    restart: "no",
    memory: { initialPages: 1, maxPages: 1, stackBytes: 8192, heapBytes: 4096 },
    runtime: "stub",
    optimize: "size",
    debug: false,
    boards,
    image: { repository: "hello", tag: "1.0.0" },
    args: [],
    env: {},
  };
}

/** What Zephyr's file2hex.py writes for generate_inc_file_for_target: comma-separated hex bytes. */
export function incFile(bytes: Uint8Array): string {
  return [...bytes].map((b) => `0x${b.toString(16).padStart(2, "0")},`).join(" ") + "\n";
}

/** The plan `ocre build` would resolve for one app config and these flags (no manifest read). */
export async function makePlan(config: ResolvedConfig, flags: PlanFlags = {}): Promise<BuildPlan> {
  return planFor([config], config.appDir, flags);
}

/** generateProjects as the build runs it: the plan resolved from the config and flags. */
export async function generateFor(
  specs: readonly ContainerSpec[],
  config: ResolvedConfig,
  flags: PlanFlags = {},
  logger?: Parameters<typeof generateProjects>[3],
): Promise<BoardsReport | undefined> {
  const plan = await makePlan(config, flags);
  return generateProjects(specs, plan.apps[0]!, plan, logger);
}

/** buildFirmware for projects generateFor wrote, with the toolchain flag in the plan. */
export async function firmwareFor(
  projects: GeneratedProjects,
  config: ResolvedConfig,
  options: { env?: Env; toolchain?: ToolchainKind } = {},
): Promise<FirmwareReport> {
  const plan = await makePlan(config, {
    boards: Object.keys(projects),
    ...(options.toolchain ? { toolchain: options.toolchain } : {}),
  });
  return buildFirmware(projects, plan, options.env ? { env: options.env } : {});
}
