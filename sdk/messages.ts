import {
  ocre_messaging_free_module_event_data,
  ocre_publish_message,
  ocre_register_dispatcher,
  ocre_subscribe_message,
} from "./bindings/env";
import { CString, cstrlen, encodeUtf8, encodedUpTo, scratch, scratchCString, SCRATCH_SIZE } from "./cstring";
import { Errno, Extension } from "./errno";
import { countHandlers, setMessageDispatcher } from "./events";
import { TextBuffer } from "./text";

// Scratch layout while publishing: topic, content type, then the payload when it fits.
// @ts-ignore: decorator
@inline const TOPIC_CAP: usize = 128;
// @ts-ignore: decorator
@inline const TYPE_CAP: usize = 64;
// @ts-ignore: decorator
@inline const PAYLOAD_AT: usize = TOPIC_CAP + TYPE_CAP;

/**
 * A received message. The SDK reuses one instance and frees the host's copies as soon as the
 * handlers return, so keep what you need (topic(), text(), bytes() copy it), not the object.
 * topic(), contentType(), text() and bytes() allocate: a handler that runs for every message
 * reads the bytes in place instead (topicIs, byteAt, or TextBuffer.addCString(m.topicPtr) and
 * addBytes(m.dataPtr, m.length)), as the "stub" runtime never frees.
 */
export class Message {
  /** Upstream's message counter. */
  id: u32 = 0;
  /** Address of the topic (C string) in this module's memory, valid during the handler. */
  topicPtr: usize = 0;
  /** Address of the content type (C string), valid during the handler. */
  contentTypePtr: usize = 0;
  /** Address of the payload, valid during the handler. */
  dataPtr: usize = 0;
  /** Payload length in bytes. */
  length: i32 = 0;

  topic(): string {
    return String.UTF8.decodeUnsafe(this.topicPtr, cstrlen(this.topicPtr));
  }

  contentType(): string {
    return String.UTF8.decodeUnsafe(this.contentTypePtr, cstrlen(this.contentTypePtr));
  }

  /** The payload decoded as UTF-8. */
  text(): string {
    return String.UTF8.decodeUnsafe(this.dataPtr, this.length);
  }

  /** A copy of the payload. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    memory.copy(out.dataStart, this.dataPtr, this.length);
    return out;
  }

  /** Payload byte `index`, without copying. */
  byteAt(index: i32): u8 {
    return index >= 0 && index < this.length ? load<u8>(this.dataPtr + index) : 0;
  }

  /** Whether the topic equals `topic`, compared without allocating. */
  topicIs(topic: string): bool {
    const c = scratchCString(topic, 0, TOPIC_CAP);
    return c != 0 && bytesEqual(c, this.topicPtr, cstrlen(c) + 1);
  }
}

/** Called with each received message whose topic starts with the subscribed prefix. */
export type MessageHandler = (message: Message) => void;

class Subscription {
  constructor(
    readonly prefix: CString,
    readonly handler: MessageHandler,
    readonly next: Subscription | null,
  ) {}
}

// @ts-ignore: decorator
@lazy let subscriptions: Subscription | null = null;
// @ts-ignore: decorator
@lazy let received: Message | null = null;

function bytesEqual(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

// Upstream queues one event per matching subscription: a container whose prefixes overlap gets
// the same message (same id) twice in a row. Each handler must see it once.
// @ts-ignore: decorator
@lazy let lastId: i64 = -1;

function dispatchMessage(id: u32, topic: usize, contentType: usize, payload: usize, length: u32): void {
  if (<i64>id == lastId) {
    ocre_messaging_free_module_event_data(topic, contentType, payload);
    return;
  }
  lastId = <i64>id;
  const m = received!;
  m.id = id;
  m.topicPtr = topic;
  m.contentTypePtr = contentType;
  m.dataPtr = payload;
  m.length = <i32>length;
  let s = subscriptions;
  while (s) {
    if (bytesEqual(s.prefix.ptr, topic, s.prefix.length)) s.handler(m);
    s = s.next;
  }
  // The copies live in this module's app heap until freed: always free them, handled or not.
  ocre_messaging_free_module_event_data(topic, contentType, payload);
}

// 0: not asked yet; 1: ocre's runtime ("ocre:errno-v1": -EBUSY when every receiver is full);
// -1: upstream's, where -ENOENT means "not delivered" for either reason.
// @ts-ignore: decorator
@lazy let distinctCodes: i32 = 0;

/** Asks the runtime once for ocre's distinct publish codes (upstream answers -EINVAL: no effect). */
function negotiate(): void {
  if (distinctCodes != 0) return;
  const name = new CString(Extension.ERRNO_V1);
  distinctCodes = ocre_register_dispatcher(Extension.EVENT_TYPE, name.ptr) == 0 ? 1 : -1;
}

// Topics and content types too long for the scratch area are encoded into allocated memory.
function topicCString(s: string, offset: usize, cap: usize): usize {
  const p = scratchCString(s, offset, cap);
  return p ? p : new CString(s).ptr;
}

/** Publish/subscribe between containers (upstream Ocre's messaging). */
export namespace messages {
  /**
   * Whether the runtime tells "every receiver's queue is full" (-EBUSY) from "nobody
   * subscribes" (-ENOENT). ocre's runtime does; upstream Ocre answers -ENOENT for both, so there
   * -ENOENT means "not delivered: retry later or drop".
   */
  export function distinguishesFullQueues(): bool {
    negotiate();
    return distinctCodes > 0;
  }

  /**
   * Publishes `text` (UTF-8) on `topic`. Returns 0; -ENOENT when no receiver queued it (on
   * upstream Ocre also when every receiver's queue was full); -EBUSY on ocre's runtime when
   * every receiver's queue was full (retry later); -EINVAL for an empty topic, content type or
   * payload. Short topics and content types are encoded without allocating; so is a payload of
   * up to 320 bytes.
   */
  export function publish(topic: string, text: string, contentType: string = "text/plain"): i32 {
    negotiate();
    const t = topicCString(topic, 0, TOPIC_CAP);
    const ct = topicCString(contentType, TOPIC_CAP, TYPE_CAP);
    const len = encodeUtf8(text, 0, scratch + PAYLOAD_AT, SCRATCH_SIZE - PAYLOAD_AT);
    if (encodedUpTo == text.length) return ocre_publish_message(t, ct, scratch + PAYLOAD_AT, <i32>len);
    const data = String.UTF8.encode(text);
    return ocre_publish_message(t, ct, changetype<usize>(data), data.byteLength);
  }

  /** Publishes `length` bytes at `data` (e.g. a struct in static memory) on `topic`. */
  export function publishRaw(topic: string, data: usize, length: i32, contentType: string = "application/octet-stream"): i32 {
    negotiate();
    const t = topicCString(topic, 0, TOPIC_CAP);
    const ct = topicCString(contentType, TOPIC_CAP, TYPE_CAP);
    return ocre_publish_message(t, ct, data, length);
  }

  /** Publishes the text in `text` (e.g. built per event without allocating) on `topic`. */
  export function publishText(topic: string, text: TextBuffer, contentType: string = "text/plain"): i32 {
    return publishRaw(topic, text.ptr, text.length, contentType);
  }

  /** Publishes the bytes of `data` on `topic`. */
  export function publishBytes(topic: string, data: Uint8Array, contentType: string = "application/octet-stream"): i32 {
    return publishRaw(topic, data.dataStart, data.length, contentType);
  }

  /**
   * Calls `handler` from the event loop for every message whose topic starts with `prefix`.
   * Returns 0 or a negative errno (-EINVAL for an empty prefix). The runtime keeps 63 bytes of
   * a longer prefix, as upstream does; the SDK still matches the whole prefix.
   */
  export function subscribe(prefix: string, handler: MessageHandler): i32 {
    const p = new CString(prefix);
    if (p.length == 0) return -Errno.EINVAL;
    const rc = ocre_subscribe_message(p.ptr);
    if (rc < 0) return rc;
    if (!received) received = new Message();
    subscriptions = new Subscription(p, handler, subscriptions);
    setMessageDispatcher(dispatchMessage);
    countHandlers(1);
    return rc;
  }
}
