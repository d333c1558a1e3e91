import { ERRNO, EVENT_TYPE, UNAME_FIELD_BYTES, UNAME_FIELDS } from "../abi/table.js";
import { packageVersion } from "../version.js";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";
import { reportOverflow } from "./health.js";
import { GuestMemory } from "./memory.js";


/** ocre's extension handshake (docs/shim.md): the resource type and "ocre:wait-v1". */
export const EXT_EVENT_TYPE = 0x6f637265;
export const EXT_WAIT_V1 = "ocre:wait-v1";
/** "ocre:gpio-line-v1:<alias>" answers (port << 16) | pin (the SDK binds named pins with it). */
export const EXT_GPIO_LINE_V1 = "ocre:gpio-line-v1:";
/** "ocre:sensor-status-v1" answers SENSOR_STATUS_BASE + errno of the last sensor read. */
export const EXT_SENSOR_STATUS_V1 = "ocre:sensor-status-v1";
export const SENSOR_STATUS_BASE = 1000;

/** Empty ocre_get_event calls in a row, without a sleep, after which the poller waits. */
export const BUSY_POLLS = 1000;

/** uname, ocre_sleep, ocre_get_event, ocre_register_dispatcher: the calls every container may make. */
export function coreImports(c: Container): HostGroup {
  const sim = c.sim;
  const unameFields = (): Uint8Array => {
    const values = [
      "Ocre",
      c.name,
      packageVersion(),
      `ocre run ${sim.virtual ? "(virtual time)" : "(real time)"}`,
      sim.board.id,
      "host",
    ];
    const out = new Uint8Array(UNAME_FIELD_BYTES * UNAME_FIELDS);
    values.forEach((v, i) => out.set(GuestMemory.encode(v).subarray(0, UNAME_FIELD_BYTES - 1), i * UNAME_FIELD_BYTES));
    return out;
  };
  const poll = (typeP: number, idP: number, portP: number, stateP: number, extraP: number, lenP: number): number => {
    const m = c.memory;
    // Polled in every idle loop: one size read, then plain comparisons.
    const last = m.size - 4;
    if (
      typeP >>> 0 > last ||
      idP >>> 0 > last ||
      portP >>> 0 > last ||
      stateP >>> 0 > last ||
      extraP >>> 0 > last ||
      lenP >>> 0 > last
    ) {
      return -ERRNO.EINVAL;
    }
    const event = c.queue.shift();
    if (!event) return -ERRNO.ENOMSG;
    let { port, state, extra } = event;
    const msg = event.message;
    if (msg) {
      // Copies go into the receiver's app heap now, on its own call (contracts: message delivery).
      const topic = c.heap.malloc(msg.topic.length + 1);
      const ctype = topic && c.heap.malloc(msg.contentType.length + 1);
      const payload = ctype && c.heap.malloc(Math.max(1, msg.payload.length));
      if (!payload) {
        if (topic) c.heap.release(topic);
        if (ctype) c.heap.release(ctype);
        c.stats.messagesDroppedNoHeap++;
        sim.warnOnce(
          c,
          "heap",
          `${c.name}: app heap full (${c.heap.inUse} bytes in use); message dropped — free each message with ocre_messaging_free_module_event_data`,
        );
        return -ERRNO.ENOMEM;
      }
      m.write(topic, msg.topic);
      m.setU8(topic + msg.topic.length, 0);
      m.write(ctype, msg.contentType);
      m.setU8(ctype + msg.contentType.length, 0);
      m.write(payload, msg.payload);
      port = topic;
      state = ctype;
      extra = payload;
    }
    m.setU32(typeP, event.type);
    m.setU32(idP, event.id);
    m.setU32(portP, port);
    m.setU32(stateP, state);
    m.setU32(extraP, extra);
    m.setU32(lenP, event.payloadLen);
    c.stats.eventsDelivered++;
    return 0;
  };

  const woke = (): number => {
    c.stats.wakeups++;
    return 0;
  };

  return {
    uname: (buf: number) => (c.memory.write(buf, unameFields()) ? 0 : -ERRNO.EINVAL),

    ocre_sleep: (ms: number) => {
      if (c.rewinding) return c.suspend(0, woke);
      if (c.extWait) {
        // ocre:wait-v1: return as soon as an event is pending; a negative time has no limit.
        c.emptyPolls = 0;
        if (c.queue.length > 0) return 0;
        c.waitingForEvent = true;
        return c.suspend(ms < 0 ? Infinity : sim.now() + ms, woke);
      }
      if (ms < 0) return -ERRNO.EINVAL;
      c.emptyPolls = 0;
      return c.suspend(sim.now() + ms, woke);
    },

    ocre_get_event: (typeP: number, idP: number, portP: number, stateP: number, extraP: number, lenP: number) => {
      const again = () => poll(typeP, idP, portP, stateP, extraP, lenP);
      if (c.rewinding) return c.suspend(0, again);
      reportOverflow(c, false);
      const result = again();
      if (result !== -ERRNO.ENOMSG) {
        c.emptyPolls = 0;
        return result;
      }
      // A container that polls in a loop without sleeping would never let virtual time move
      // (nor, in real time, let the others run): after BUSY_POLLS empty polls in a row it waits
      // for the next thing due, as if the CPU had spun until then.
      if (++c.emptyPolls < BUSY_POLLS) return result;
      c.emptyPolls = 0;
      return c.suspend(sim.nextDueAt(), again);
    },

    ocre_register_dispatcher: (type: number, namePtr: number) => {
      const name = c.memory.cString(namePtr, 255);
      if (type === EXT_EVENT_TYPE && name === EXT_WAIT_V1) {
        c.extWait = true;
        return 0;
      }
      if (type === EXT_EVENT_TYPE && name === EXT_SENSOR_STATUS_V1) return SENSOR_STATUS_BASE - c.sensorStatus;
      if (type === EXT_EVENT_TYPE && name?.startsWith(EXT_GPIO_LINE_V1)) {
        const line = sim.gpio.resolveAlias(name.slice(EXT_GPIO_LINE_V1.length));
        return line ? line.port * 65536 + line.pin : -19; // -ENODEV, as the device
      }
      if (name === undefined || !Object.values(EVENT_TYPE).includes(type as 0)) return -ERRNO.EINVAL;
      if (!c.hasExportedFunction(name)) return -ERRNO.EINVAL;
      c.dispatchers.set(type, name);
      return 0;
    },
  };
}
