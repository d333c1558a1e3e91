import { EXTENSIONS, UNAME_SYSNAME } from "../abi/contract.js";
import { ERRNO, EVENT_TYPE, UNAME_FIELD_BYTES, UNAME_FIELDS } from "../abi/table.js";
import type { QueuedEvent } from "./event-queue.js";
import { packageVersion } from "../version.js";
import type { Container } from "./container.js";
import type { HostGroup } from "./host-fn.js";
import { reportOverflow } from "./health.js";
import { GuestMemory } from "./memory.js";

/** Empty ocre_get_event calls in a row, without a sleep, after which the poller waits. */
export const BUSY_POLLS = 1000;

/** uname, ocre_sleep, ocre_get_event, ocre_register_dispatcher: the calls every container may make. */
export function coreImports(c: Container): HostGroup {
  const sim = c.sim;
  const unameFields = (): Uint8Array => {
    // Upstream's layout: "Project Ocre (<OS>)", node name, "<app version> (<OS release>)",
    // OS version, machine, domain name.
    const values = [
      UNAME_SYSNAME,
      "zephyr",
      `${packageVersion()} (ocre run)`,
      `ocre run, ${sim.virtual ? "virtual" : "real"} time`,
      sim.board.id,
      "",
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
    let event: QueuedEvent | undefined;
    let port = 0;
    let state = 0;
    let extra = 0;
    for (;;) {
      const shared = sim.sharedQueue;
      if (shared) {
        // Upstream's one queue: only the owner of the oldest event may take it.
        const head = shared.peek();
        if (!head) return -ERRNO.ENOMSG;
        if (head.owner !== c) return -ERRNO.EPERM;
        event = shared.shift()!;
      } else {
        event = c.queue.shift();
        if (!event) return -ERRNO.ENOMSG;
      }
      ({ port, state, extra } = event);
      const msg = event.message;
      if (!msg) break;
      // Copies go into the receiver's app heap now, on its own call (contracts: message delivery).
      const topic = c.heap.malloc(msg.topic.length + 1);
      const ctype = topic && c.heap.malloc(msg.contentType.length + 1);
      const payload = ctype && c.heap.malloc(Math.max(1, msg.payload.length));
      if (payload) {
        m.write(topic, msg.topic);
        m.setU8(topic + msg.topic.length, 0);
        m.write(ctype, msg.contentType);
        m.setU8(ctype + msg.contentType.length, 0);
        m.write(payload, msg.payload);
        port = topic;
        state = ctype;
        extra = payload;
        break;
      }
      // As upstream, a message the receiver's heap cannot hold is lost, not an error of this
      // call: it is counted and the next event is taken.
      if (topic) c.heap.release(topic);
      if (ctype) c.heap.release(ctype);
      c.stats.messagesDroppedNoHeap++;
      sim.warnOnce(
        c,
        "heap",
        `${c.name}: app heap full (${c.heap.inUse} bytes in use); message dropped — free each message with ocre_messaging_free_module_event_data`,
      );
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
    // Upstream answers -1 (not an errno) when the 480 bytes do not fit.
    uname: (buf: number) => (c.memory.write(buf, unameFields()) ? 0 : -1),

    ocre_sleep: (ms: number) => {
      if (c.rewinding) return c.suspend(0, woke);
      // Upstream ignores usleep's answer: a negative time returns 0 at once (unless the
      // container waits for events, ocre:wait-v1, where a negative time has no limit).
      if (ms < 0 && !c.extWait) return 0;
      if (c.extWait) {
        // ocre:wait-v1: return as soon as an event is queued during the sleep. Events already
        // waiting do not cut it short, so a plain sleep() with a full queue lasts its time (the SDK's
        // event loop sleeps only after an empty poll).
        c.emptyPolls = 0;
        c.waitingForEvent = true;
        return c.suspend(ms < 0 ? Infinity : sim.now() + ms, woke);
      }
      const refused = sim.profile.sleepRefusedFromMs;
      if (refused !== undefined && ms >= refused) return 0;
      c.emptyPolls = 0;
      return c.suspend(sim.now() + ms, woke);
    },

    ocre_get_event: (typeP: number, idP: number, portP: number, stateP: number, extraP: number, lenP: number) => {
      const again = () => poll(typeP, idP, portP, stateP, extraP, lenP);
      if (c.rewinding) return c.suspend(0, again);
      reportOverflow(c, false);
      const result = again();
      // -EPERM: upstream's shared queue holds another container's event first.
      if (result !== -ERRNO.ENOMSG && result !== -ERRNO.EPERM) {
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
      if (type === EXTENSIONS.OCRE_EXT_EVENT_TYPE && sim.profile.extensions) {
        switch (name) {
          case EXTENSIONS.OCRE_EXT_ERRNO_V1:
            c.extErrno = true;
            return 0;
          case EXTENSIONS.OCRE_EXT_WAIT_V1:
            c.extWait = true;
            return 0;
          case EXTENSIONS.OCRE_EXT_SENSOR_STATUS_V1:
            return EXTENSIONS.OCRE_SENSOR_STATUS_BASE - c.sensorStatus;
        }
        if (name?.startsWith(EXTENSIONS.OCRE_EXT_GPIO_LINE_V1)) {
          const line = sim.gpio.resolveAlias(name.slice(EXTENSIONS.OCRE_EXT_GPIO_LINE_V1.length));
          return line ? line.port * 65536 + line.pin : -ERRNO.ENODEV; // as the device
        }
        return -ERRNO.ENOENT;
      }
      if (name === undefined || !Object.values(EVENT_TYPE).includes(type as 0)) return -ERRNO.EINVAL;
      if (!c.hasExportedFunction(name)) return -ERRNO.EINVAL;
      c.dispatchers.set(type, name);
      return 0;
    },
  };
}
