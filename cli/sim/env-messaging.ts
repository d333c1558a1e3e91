import { ERRNO, EVENT_TYPE, MAX_TOPIC_PREFIX_BYTES } from "../abi/table.js";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";

/** Bytes as a latin1 string (one char per byte): cheap for short topics, unlike TextDecoder. */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * ocre_publish_message, ocre_subscribe_message, ocre_messaging_free_module_event_data.
 * A publish copies topic, content type and payload out of the publisher at once and queues one
 * event per matching subscriber (prefix match, every container of the run, the publisher too);
 * the copies land in the receiver's app heap when the receiver calls ocre_get_event.
 * Returns 0 when at least one receiver queued it, -ENOENT when nobody subscribes, -EBUSY when
 * every subscriber's queue was full (each counts the overflow).
 */
export function messagingImports(c: Container): HostGroup {
  const sim = c.sim;
  let last: { generation: number; topic: Uint8Array; contentType: Uint8Array; receivers: Container[] } | undefined;
  return {
    ocre_subscribe_message: (topicPtr: number) => {
      const prefix = c.memory.cStringBytes(topicPtr, MAX_TOPIC_PREFIX_BYTES);
      // An empty prefix is valid: it matches every topic.
      if (prefix === undefined) return -ERRNO.EINVAL;
      const key = latin1(prefix);
      if (c.subscriptions.includes(key)) return 0;
      if (c.subscriptions.length >= sim.limits.maxSubscriptions) return -ERRNO.ENOMEM;
      c.subscriptions.push(key);
      sim.subscriptionGeneration++;
      return 0;
    },

    ocre_publish_message: (topicPtr: number, typePtr: number, payloadPtr: number, len: number) => {
      const m = c.memory;
      const topicLen = m.cStringLength(topicPtr, sim.limits.maxTopicBytes);
      const typeLen = m.cStringLength(typePtr, sim.limits.maxTopicBytes);
      if (topicLen <= 0 || typeLen < 0 || len < 0 || len > sim.limits.maxMessageBytes) return -ERRNO.EINVAL;
      const payload = m.copyOut(payloadPtr, len);
      if (payload === undefined) return -ERRNO.EINVAL;
      // Apps publish the same topic again and again: reuse its copies and its receivers until
      // a subscription changes (the copies are shared read-only by every queued event).
      if (
        !last ||
        last.generation !== sim.subscriptionGeneration ||
        last.topic.length !== topicLen ||
        last.contentType.length !== typeLen ||
        !m.equals(topicPtr, last.topic) ||
        !m.equals(typePtr, last.contentType)
      ) {
        const topic = m.copyOut(topicPtr, topicLen)!;
        const key = latin1(topic);
        last = {
          generation: sim.subscriptionGeneration,
          topic,
          contentType: m.copyOut(typePtr, typeLen)!,
          receivers: sim.containers.filter((r) => r.alive && r.subscriptions.some((p) => key.startsWith(p))),
        };
      }
      const message = { topic: last.topic, contentType: last.contentType, payload };
      const id = ++sim.messageCounter;
      let queued = 0;
      for (const receiver of last.receivers) {
        if (
          sim.enqueue(receiver, { type: EVENT_TYPE.message, id, port: 0, state: 0, extra: 0, payloadLen: len, message })
        )
          queued++;
      }
      c.stats.messagesPublished++;
      if (last.receivers.length === 0) return -ERRNO.ENOENT;
      return queued > 0 ? 0 : -ERRNO.EBUSY;
    },

    ocre_messaging_free_module_event_data: (topic: number, ctype: number, payload: number) => {
      const a = topic === 0 || c.heap.release(topic);
      const b = ctype === 0 || c.heap.release(ctype);
      const d = payload === 0 || c.heap.release(payload);
      return a && b && d ? 0 : -ERRNO.EINVAL;
    },
  };
}
