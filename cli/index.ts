/**
 * The ocre library: what the CLI calls and what other tools may import. Stages take typed
 * options and return typed results; none prints or exits.
 */
export { OcreError, isOcreError, type ExitCode } from "./errors.js";
export type { ContainerSpec, ImportRef, MemoryLimits } from "./spec.js";
export type { ResolvedConfig, RuntimeVariant, OptimizeProfile } from "./config/types.js";
export { resolveConfig, mergeConfig, type ConfigFlags } from "./config/resolve.js";
export {
  resolveBuildPlan,
  planFor,
  type BuildPlan,
  type PlanFlags,
  type PlannedBoard,
  type ToolchainKind,
} from "./config/plan.js";
export { loadManifest, parseManifest, MANIFEST_FILE, SCHEMA_FILE, type Manifest } from "./config/manifest.js";
export { compile, formatDiagnostic, type CompileResult, type Diagnostic } from "./pipeline/compile.js";
export { optimise, type OptimiseOptions, type OptimiseResult } from "./pipeline/optimise.js";
export { validate, type ValidateResult } from "./pipeline/validate.js";
export { readWasmSummary, type WasmSummary, type WasmImport, type WasmExport } from "./pipeline/wasm-sections.js";
export {
  buildApps,
  APP_STAGES,
  PROJECT_STAGES,
  type BuildOptions,
  type BuildResult,
  type AppBuild,
  type HookedStage,
  type StageHook,
  type Logger,
} from "./pipeline/build.js";
export { REPORT_SCHEMA_VERSION, withoutTimings, type BuildReport, type AppReport } from "./report.js";
export { OCRE_ABI, WASI_FUNCTIONS, CAPABILITIES, findImport, isCallAllowed } from "./abi/table.js";
export {
  runContainers,
  parseSensorTrace,
  parseGpioScript,
  loadBoard,
  simBoard,
  type RunOptions,
  type RunResult,
  type ContainerInput,
  type ContainerResult,
  type SimEvent,
  type TraceEntry,
  type GpioChange,
} from "./sim/run.js";
