import { readFile } from "node:fs/promises";
import { OcreError } from "../errors.js";
import { SCHEMA_FILE } from "./manifest.js";
import type { AgentSettings } from "./types.js";

/** The agent's transports, as ocre.yaml `device.agent.transports` and `--agent` name them. */
export const AGENT_TRANSPORTS = ["tcp", "serial"] as const;
export type AgentTransport = (typeof AGENT_TRANSPORTS)[number];

interface AgentSchema {
  properties: { device: { properties: { agent: { properties: Record<string, { default?: unknown }> } } } };
}

/** The schema's defaults for `device.agent` (the one place they are written). */
async function agentDefaults(): Promise<Omit<AgentSettings, "transports">> {
  const schema = JSON.parse(await readFile(SCHEMA_FILE, "utf8")) as AgentSchema;
  const props = schema.properties.device.properties.agent.properties;
  const value = (key: string): unknown => props[key]?.default;
  return {
    port: value("port") as number,
    pull: value("pull") as boolean,
    pullTags: value("pullTags") as boolean,
    slots: value("slots") as number,
    maxRunning: value("maxRunning") as number,
    maxWasm: value("maxWasm") as number,
    pool: value("pool") as number,
  };
}

/**
 * The agent a firmware carries: `--agent` ("tcp", "serial", "tcp,serial" or "none") overrides
 * the transports of the first app's `device.agent` (its other settings stay); without the flag,
 * the manifest's. undefined: no agent.
 */
export async function resolveAgent(
  manifest: AgentSettings | undefined,
  flag: string | undefined,
): Promise<AgentSettings | undefined> {
  if (flag === undefined) return manifest;
  const words = flag
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");
  if (words.length === 1 && words[0] === "none") return undefined;
  const bad = words.find((w) => !(AGENT_TRANSPORTS as readonly string[]).includes(w));
  if (words.length === 0 || bad !== undefined) {
    throw new OcreError(
      "OCRE_FLAG_INVALID",
      `--agent takes transports (${AGENT_TRANSPORTS.join(", ")}, comma-separated) or "none" (got ${JSON.stringify(flag)})`,
      { hint: "e.g. --agent tcp, --agent tcp,serial, or --agent none to build without the agent" },
    );
  }
  const transports = [...new Set(words)] as AgentTransport[];
  return { ...(manifest ?? (await agentDefaults())), transports };
}
