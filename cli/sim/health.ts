import { EVENT_TYPE } from "../abi/table.js";
import { HEALTH_CONTENT_TYPE, formatHealth, healthTopic, type HealthEventName } from "../abi/health.js";
import type { Container } from "./container.js";
import { GuestMemory } from "./memory.js";

/** Overflow reports while a container runs: at most one per this much app time (the device's). */
export const OVERFLOW_REPORT_MS = 1000;

/**
 * Publishes a health event about `about` as the device does (cli/abi/health.ts): a message on
 * ocre/health/<event>/<name> to every live container subscribed to a matching prefix.
 */
export function publishHealth(
  about: Container,
  event: HealthEventName,
  fields: Readonly<Record<string, string | number>>,
): void {
  const sim = about.sim;
  const topicText = healthTopic(event, about.name);
  const line = formatHealth(event, about.name, sim.now(), fields);
  const message = {
    topic: GuestMemory.encode(topicText),
    contentType: GuestMemory.encode(HEALTH_CONTENT_TYPE),
    payload: GuestMemory.encode(line),
  };
  // Like an app's publish, a health event takes a message id only when someone receives it, so
  // apps still see ids from 0 as on upstream.
  const receivers = sim.containers.filter((r) => r.alive && r.subscriptions.some((p) => topicText.startsWith(p)));
  const id = receivers.length > 0 ? sim.messageCounter++ : sim.messageCounter;
  for (const r of receivers) {
    sim.enqueue(r, {
      type: EVENT_TYPE.message,
      id,
      port: 0,
      state: 0,
      extra: 0,
      payloadLen: message.payload.length,
      message,
    });
  }
  sim.health.push({ timeMs: sim.now(), topic: topicText, payload: line });
}

/** Reports events dropped since the last report (from the container's own calls, rate-limited). */
export function reportOverflow(c: Container, force: boolean): void {
  const dropped = c.queue.overflowed;
  if (dropped === c.overflowReported) return;
  const now = c.sim.now();
  if (!force && c.overflowReported !== 0 && now - c.overflowReportedAt < OVERFLOW_REPORT_MS) return;
  c.overflowReported = dropped;
  c.overflowReportedAt = now;
  publishHealth(c, "overflow", { dropped, total: c.droppedEarlier + dropped });
}
