import { ERRNO, EVENT_TYPE } from "../abi/table.js";
import type { Container, ContainerTimer } from "./container.js";
import type { HostGroup } from "./host-fn.js";
import { TIMER_MAX_MS, TIMER_MIN_MS } from "./limits.js";

/**
 * ocre_timer_*: ids 1..maxTimers, per container (upstream's ids are global: the upstream profile
 * answers -EBUSY for an id another container holds, and -EINVAL for using it).
 * An expiry queues a timer event (id = timer id) for the container. Periodic timers keep their
 * phase: the n-th expiry is at start + n × interval, however late the container polls.
 */
export function timerImports(c: Container): HostGroup {
  const sim = c.sim;
  const max = sim.limits.maxTimers;
  const global = sim.profile.globalTimerIds;
  const valid = (id: number) => Number.isInteger(id) && id >= 1 && id <= max;

  const arm = (id: number, timer: ContainerTimer) => {
    timer.item = sim.timeline.add(timer.dueAt, () => {
      if (!c.alive) return;
      sim.enqueue(c, { type: EVENT_TYPE.timer, id, port: 0, state: 0, extra: 0, payloadLen: 0, message: undefined });
      if (timer.periodic) {
        timer.dueAt += timer.interval;
        arm(id, timer);
      } else timer.item = undefined;
    });
  };
  const disarm = (timer: ContainerTimer) => {
    if (timer.item) timer.item.cancelled = true;
    timer.item = undefined;
  };

  return {
    ocre_timer_create: (id: number) => {
      if (!valid(id)) return -ERRNO.EINVAL;
      if (c.timers.has(id)) return -ERRNO.EBUSY;
      if (global) {
        if (sim.timerOwners.has(id)) return -ERRNO.EBUSY;
        sim.timerOwners.set(id, c);
      }
      c.timers.set(id, { interval: 0, periodic: false, dueAt: 0, item: undefined });
      return 0;
    },
    ocre_timer_delete: (id: number) => {
      const timer = c.timers.get(id);
      if (!timer) return -ERRNO.EINVAL;
      disarm(timer);
      c.timers.delete(id);
      if (global) sim.timerOwners.delete(id);
      return 0;
    },
    ocre_timer_start: (id: number, interval: number, periodic: number) => {
      const timer = c.timers.get(id);
      if (!timer || interval < TIMER_MIN_MS || interval > TIMER_MAX_MS) return -ERRNO.EINVAL;
      disarm(timer);
      timer.interval = interval;
      timer.periodic = periodic !== 0;
      timer.dueAt = sim.now() + interval;
      arm(id, timer);
      return 0;
    },
    ocre_timer_stop: (id: number) => {
      const timer = c.timers.get(id);
      if (!timer) return -ERRNO.EINVAL;
      disarm(timer);
      return 0;
    },
    ocre_timer_get_remaining: (id: number) => {
      const timer = c.timers.get(id);
      if (!timer) return -ERRNO.EINVAL;
      return timer.item ? Math.max(0, Math.ceil(timer.dueAt - sim.now())) : 0;
    },
  };
}
