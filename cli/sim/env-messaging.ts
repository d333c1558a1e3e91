import { ERRNO, EVENT_TYPE, MAX_TOPIC_PREFIX_BYTES } from "../abi/table.js";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";

/** Longest topic and content type a publisher may send, in bytes. */
export const MAX_TOPIC_BYTES = 255;
export const MAX_CONTENT_TYPE_BYTES = 127;

const latin1 = new TextDecoder("latin1");

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
  return {
    ocre_subscribe_message: (topicPtr: number) => {
      const prefix = c.memory.cStringBytes(topicPtr, MAX_TOPIC_PREFIX_BYTES);
      if (prefix === undefined || prefix.length === 0) return -ERRNO.EINVAL;
      const key = latin1.decode(prefix);
      if (c.subscriptions.includes(key)) return 0;
      if (c.subscriptions.length >= sim.limits.maxSubscriptions) return -ERRNO.ENOMEM;
      c.subscriptions.push(key);
      return 0;
    },

    ocre_publish_message: (topicPtr: number, typePtr: number, payloadPtr: number, len: number) => {
      const m = c.memory;
      const topicBytes = m.cStringBytes(topicPtr, MAX_TOPIC_BYTES);
      const typeBytes = m.cStringBytes(typePtr, MAX_CONTENT_TYPE_BYTES);
      if (topicBytes === undefined || topicBytes.length === 0 || typeBytes === undefined || len < 0)
        return -ERRNO.EINVAL;
      const payload = m.copyOut(payloadPtr, len);
      if (payload === undefined) return -ERRNO.EINVAL;
      const topicKey = latin1.decode(topicBytes);
      const message = { topic: topicBytes.slice(), contentType: typeBytes.slice(), payload };
      const id = ++sim.messageCounter;
      let matched = 0;
      let queued = 0;
      for (const receiver of sim.containers) {
        if (!receiver.alive || !receiver.subscriptions.some((p) => topicKey.startsWith(p))) continue;
        matched++;
        if (
          sim.enqueue(receiver, { type: EVENT_TYPE.message, id, port: 0, state: 0, extra: 0, payloadLen: len, message })
        )
          queued++;
      }
      c.stats.messagesPublished++;
      if (matched === 0) return -ERRNO.ENOENT;
      return queued > 0 ? 0 : -ERRNO.EBUSY;
    },

    ocre_messaging_free_module_event_data: (topic: number, ctype: number, payload: number) => {
      let ok = true;
      for (const addr of [topic, ctype, payload]) if (addr !== 0 && !c.heap.release(addr)) ok = false;
      return ok ? 0 : -ERRNO.EINVAL;
    },
  };
}
