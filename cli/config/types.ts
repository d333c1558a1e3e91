import type { MemoryLimits, RestartPolicy } from "../spec.js";

/** ocre.yaml `device.agent` (docs/deploy.md), with the schema's defaults filled in. */
export interface AgentSettings {
  readonly transports: readonly ("tcp" | "serial")[];
  readonly port: number;
  readonly pull: boolean;
  /** The device may resolve tags itself (CONFIG_OCRE_AGENT_PULL_TAGS); needs `pull`. */
  readonly pullTags: boolean;
  readonly slots: number;
  readonly maxRunning: number;
  readonly maxWasm: number;
  /** Bytes added to WAMR's heap pool for the installed containers. */
  readonly pool: number;
  /**
   * Absolute path of the PEM file of the registry CA (`registryCa`, `--registry-ca`): the firmware
   * pulls over https, trusting only it (cli/generate/registry-ca.ts). Absent: http only.
   */
  readonly registryCa?: string;
}

export type RuntimeVariant = "stub" | "minimal" | "incremental";
export type OptimizeProfile = "size" | "speed";

/**
 * ocre.yaml merged with command-line flags, validated once and frozen. Every stage reads this;
 * no stage re-reads the manifest, the environment or flags.
 */
export interface ResolvedConfig {
  /** Absolute app directory (where ocre.yaml lives). */
  readonly appDir: string;
  readonly manifestPath: string;
  /** Absolute output directory, default <appDir>/build. */
  readonly buildDir: string;
  readonly name: string;
  readonly version: string;
  /** Absolute path of the AssemblyScript entry file, or of a prebuilt `.wasm` (cli/pipeline/prebuilt.ts). */
  readonly entry: string;
  readonly capabilities: readonly string[];
  /** GPIO allow-list from the manifest (aliases or "port:pin"), or undefined. */
  readonly gpio: readonly string[] | undefined;
  readonly restart: RestartPolicy;
  readonly memory: MemoryLimits;
  readonly runtime: RuntimeVariant;
  readonly optimize: OptimizeProfile;
  /** Keep names and debug info (--debug). */
  readonly debug: boolean;
  /** Default boards from the manifest (flags override). */
  readonly boards: readonly string[];
  /** Public key files the firmware trusts (manifest `trust:`, absolute paths; --trust adds more). */
  readonly trust?: readonly string[];
  readonly image: { readonly repository: string; readonly tag: string };
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** ocre.yaml `device.agent`, when the firmware should carry the device agent. */
  readonly agent?: AgentSettings;
}
