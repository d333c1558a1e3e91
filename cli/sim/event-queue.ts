/** A message as queued for a receiver: host-side copies until the receiver asks for it. */
export interface QueuedMessage {
  readonly topic: Uint8Array;
  readonly contentType: Uint8Array;
  readonly payload: Uint8Array;
}

export interface QueuedEvent {
  /** The receiving container, in a queue shared by all containers (upstream profile). */
  readonly owner?: object;
  readonly type: number;
  readonly id: number;
  readonly port: number;
  readonly state: number;
  readonly extra: number;
  readonly payloadLen: number;
  readonly message: QueuedMessage | undefined;
}

/**
 * A container's own event queue (the device has one per container, not upstream's global
 * ring): bounded, FIFO, and a full queue drops the new event and counts it.
 */
export class EventQueue {
  private readonly ring: (QueuedEvent | undefined)[];
  private head = 0;
  private count = 0;
  overflowed = 0;
  /** Events ever queued: tells an event queued during a wait from one pending before it. */
  pushed = 0;

  constructor(readonly depth: number) {
    this.ring = new Array<QueuedEvent | undefined>(depth);
  }

  get length(): number {
    return this.count;
  }

  /** False (and the overflow counted) when the queue is full. */
  push(event: QueuedEvent): boolean {
    if (this.count === this.depth) {
      this.overflowed++;
      return false;
    }
    this.ring[(this.head + this.count) % this.depth] = event;
    this.count++;
    this.pushed++;
    return true;
  }

  peek(): QueuedEvent | undefined {
    return this.count === 0 ? undefined : this.ring[this.head];
  }

  shift(): QueuedEvent | undefined {
    if (this.count === 0) return undefined;
    const event = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.depth;
    this.count--;
    return event;
  }

  clear(): void {
    while (this.shift() !== undefined);
  }
}
