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
 * ocre_publish_message, ocre_subscribe_message, ocre_messaging_free_module_event_data, with
 * upstream Ocre 0.7's return codes (docs/compat.md):
 * - subscribe: an empty prefix is -EINVAL, a longer one than 63 bytes is truncated, the same
 *   prefix again is 0, one more than the limit is -ENOMEM;
 * - publish: an empty topic or content type, or a payload length <= 0, is -EINVAL; 0 when at
 *   least one receiver queued it; -ENOENT otherwise, whether nobody subscribes or every
 *   receiver's queue is full. A container that opted into "ocre:errno-v1" gets -EBUSY for the
 *   latter (and -ENOMEM for a payload above the limit) instead.
 * A publish copies topic, content type and payload out of the publisher at once and queues one
 * event per matching receiver (every container of the run, the publisher too); with the "ocre"
 * profile the copies land in the receiver's app heap when it calls ocre_get_event, with the
 * upstream profile at once, one per matching subscription, as upstream does.
 */
export function messagingImports(c: Container): HostGroup {
  const sim = c.sim;
  const profile = sim.profile;
  /** Receivers of the last topic, one entry per delivery, until a subscription changes. */
  let last: { generation: number; topic: Uint8Array; contentType: Uint8Array; receivers: Container[] } | undefined;

  const receiversOf = (key: string): Container[] => {
    if (profile.globalSubscriptions) {
      const out: Container[] = [];
      for (const s of sim.subscriptionTable) if (s && s.owner.alive && key.startsWith(s.prefix)) out.push(s.owner);
      return profile.eventPerSubscription ? out : [...new Set(out)];
    }
    return sim.containers.filter((r) => r.alive && r.subscriptions.some((p) => key.startsWith(p)));
  };

  /** Upstream: the copies go into the receiver's heap at publish time; 0 when they do not fit. */
  const copyInto = (r: Container, topic: Uint8Array, ctype: Uint8Array, payload: Uint8Array): number[] | undefined => {
    const t = r.heap.malloc(topic.length + 1);
    const ct = t && r.heap.malloc(ctype.length + 1);
    const p = ct && r.heap.malloc(payload.length);
    if (!p) {
      if (t) r.heap.release(t);
      if (ct) r.heap.release(ct);
      return undefined;
    }
    r.memory.write(t, topic);
    r.memory.setU8(t + topic.length, 0);
    r.memory.write(ct, ctype);
    r.memory.setU8(ct + ctype.length, 0);
    r.memory.write(p, payload);
    return [t, ct, p];
  };

  return {
    ocre_subscribe_message: (topicPtr: number) => {
      // Upstream keeps at most 63 bytes of the prefix (strncpy), NUL-terminated or not.
      const key = latin1(c.memory.boundedString(topicPtr, MAX_TOPIC_PREFIX_BYTES));
      if (key.length === 0) return -ERRNO.EINVAL;
      if (profile.globalSubscriptions) {
        const table = sim.subscriptionTable;
        if (table.some((s) => s?.owner === c && s.prefix === key)) return 0;
        let slot = table.indexOf(undefined);
        if (slot < 0 && table.length < sim.limits.maxSubscriptions) slot = table.length;
        if (slot < 0) return -ERRNO.ENOMEM;
        table[slot] = { owner: c, prefix: key };
      } else {
        if (c.subscriptions.includes(key)) return 0;
        if (c.subscriptions.length >= sim.limits.maxSubscriptions) return -ERRNO.ENOMEM;
        c.subscriptions.push(key);
      }
      sim.subscriptionGeneration++;
      return 0;
    },

    ocre_publish_message: (topicPtr: number, typePtr: number, payloadPtr: number, len: number) => {
      const m = c.memory;
      const topicLen = m.cStringLength(topicPtr, sim.limits.maxTopicBytes);
      const typeLen = m.cStringLength(typePtr, sim.limits.maxTopicBytes);
      if (topicLen <= 0 || typeLen <= 0 || len <= 0) return -ERRNO.EINVAL;
      if (len > sim.limits.maxMessageBytes) return c.extErrno ? -ERRNO.ENOMEM : -ERRNO.ENOENT;
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
        last = {
          generation: sim.subscriptionGeneration,
          topic,
          contentType: m.copyOut(typePtr, typeLen)!,
          receivers: receiversOf(latin1(topic)),
        };
      }
      const id = sim.messageCounter;
      let queued = 0;
      for (const receiver of last.receivers) {
        if (profile.copyOnPublish) {
          const offs = copyInto(receiver, last.topic, last.contentType, payload);
          if (!offs) {
            receiver.stats.messagesDroppedNoHeap++;
            continue;
          }
          const [port, state, extra] = offs as [number, number, number];
          const event = { type: EVENT_TYPE.message, id, port, state, extra, payloadLen: len, message: undefined };
          if (sim.enqueue(receiver, event)) queued++;
          else for (const off of offs) receiver.heap.release(off);
          continue;
        }
        const message = { topic: last.topic, contentType: last.contentType, payload };
        const event = { type: EVENT_TYPE.message, id, port: 0, state: 0, extra: 0, payloadLen: len, message };
        if (sim.enqueue(receiver, event)) queued++;
      }
      c.stats.messagesPublished++;
      if (queued > 0) {
        // Upstream numbers only the publishes that reached someone.
        sim.messageCounter++;
        return 0;
      }
      return last.receivers.length > 0 && c.extErrno ? -ERRNO.EBUSY : -ERRNO.ENOENT;
    },

    ocre_messaging_free_module_event_data: (topic: number, ctype: number, payload: number) => {
      const a = topic === 0 || c.heap.release(topic);
      const b = ctype === 0 || c.heap.release(ctype);
      const d = payload === 0 || c.heap.release(payload);
      // Upstream frees whatever it is given and answers 0 (a stray address corrupts its heap).
      if (profile.freeAnyAddress) return 0;
      return a && b && d ? 0 : -ERRNO.EINVAL;
    },
  };
}
