/**
 * App time of a run, in milliseconds since the run started. Real time follows the wall clock;
 * virtual time only moves when the scheduler jumps it to the next due event, so a run's
 * behaviour depends on nothing but its inputs.
 */
export interface Clock {
  readonly virtual: boolean;
  now(): number;
  /** Moves app time to `t`: a jump in virtual time, a wait in real time. */
  advanceTo(t: number): Promise<void>;
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private t = 0;
  now(): number {
    return this.t;
  }
  /** Synchronous jump, used by the sleep fast path. */
  jump(t: number): void {
    if (t > this.t) this.t = t;
  }
  advanceTo(t: number): Promise<void> {
    this.jump(t);
    return Promise.resolve();
  }
}

export class RealClock implements Clock {
  readonly virtual = false;
  private start = performance.now();
  /** App time 0 is when the containers start, not when they were loaded. */
  restart(): void {
    this.start = performance.now();
  }
  now(): number {
    return performance.now() - this.start;
  }
  advanceTo(t: number): Promise<void> {
    const delay = t - this.now();
    if (delay <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => setTimeout(resolve, Math.ceil(delay)));
  }
}
