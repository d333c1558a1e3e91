/**
 * Device health events: the one definition of their topics and payloads. The C runtime
 * (wamr-glue/src/ocre_health.c, its event list generated into wamr-glue/include/ocre/
 * ocre_health.def by `npm run gen:abi`) and the simulator (cli/sim/health.ts) publish them; the
 * tests parse what both emit with parseHealth below.
 *
 * Topic: "ocre/health/<event>/<container>"; content type "text/plain"; payload: one line of
 * space-separated key=value pairs, first "event", "container", "uptime_ms" (ms since boot or
 * since the run began), then the event's own fields in the order listed here. A "reason"
 * field comes last and runs to the end of the line (it may contain spaces).
 */

export const HEALTH_TOPIC_PREFIX = "ocre/health/";
export const HEALTH_CONTENT_TYPE = "text/plain";

/** Event name → its own fields, in payload order (C: enum ocre_health_event). */
export const HEALTH_EVENTS = Object.freeze({
  started: ["run"],
  exited: ["code", "ran_ms", "memory_bytes", "dropped"],
  trapped: ["ran_ms", "reason"],
  restarted: ["restarts", "delay_ms"],
  killed: ["by"],
  overflow: ["dropped", "total"],
  refused: ["reason"],
  /** The device agent (docs/deploy.md); digests are "sha256:" and their first 16 hex digits. */
  installed: ["digest", "seq"],
  updated: ["digest", "previous", "seq"],
  rolledback: ["to", "from", "reason"],
} as const);

export type HealthEventName = keyof typeof HEALTH_EVENTS;

const COMMON = ["event", "container", "uptime_ms"] as const;

export interface HealthEvent {
  readonly event: HealthEventName;
  readonly container: string;
  readonly uptimeMs: number;
  /** The event's own fields, by name, as text. */
  readonly fields: Readonly<Record<string, string>>;
}

export function healthTopic(event: HealthEventName, container: string): string {
  return `${HEALTH_TOPIC_PREFIX}${event}/${container}`;
}

/** The payload line for an event; `fields` must hold exactly the event's fields. */
export function formatHealth(
  event: HealthEventName,
  container: string,
  uptimeMs: number,
  fields: Readonly<Record<string, string | number>>,
): string {
  const own = HEALTH_EVENTS[event].map((k) => `${k}=${String(fields[k])}`);
  return [`event=${event}`, `container=${container}`, `uptime_ms=${Math.floor(uptimeMs)}`, ...own].join(" ");
}

/**
 * Parses a payload line, or returns undefined when it does not follow the format exactly: the
 * common keys first, then every field of its event in order, nothing else.
 */
export function parseHealth(line: string): HealthEvent | undefined {
  const values = new Map<string, string>();
  const order: string[] = [];
  let rest = line;
  while (rest.length > 0) {
    const eq = rest.indexOf("=");
    if (eq <= 0) return undefined;
    const key = rest.slice(0, eq);
    if (key.includes(" ")) return undefined;
    let value: string;
    if (key === "reason") {
      value = rest.slice(eq + 1);
      rest = "";
    } else {
      const sp = rest.indexOf(" ", eq);
      value = sp < 0 ? rest.slice(eq + 1) : rest.slice(eq + 1, sp);
      rest = sp < 0 ? "" : rest.slice(sp + 1);
    }
    order.push(key);
    values.set(key, value);
  }
  const event = values.get("event");
  if (event === undefined || !Object.hasOwn(HEALTH_EVENTS, event)) return undefined;
  const expected = [...COMMON, ...HEALTH_EVENTS[event as HealthEventName]];
  if (order.length !== expected.length || order.some((k, i) => k !== expected[i])) return undefined;
  const uptime = Number(values.get("uptime_ms"));
  if (!/^\d+$/.test(values.get("uptime_ms") ?? "")) return undefined;
  const fields: Record<string, string> = {};
  for (const k of HEALTH_EVENTS[event as HealthEventName]) fields[k] = values.get(k)!;
  return { event: event as HealthEventName, container: values.get("container")!, uptimeMs: uptime, fields };
}
