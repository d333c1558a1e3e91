/**
 * Everything that will happen at a known app time (a container waking from sleep, a timer
 * expiring, a scripted GPIO input, the run's deadline), in time order; ties keep insertion
 * order so that virtual-time runs are deterministic.
 */
export interface TimelineItem {
  readonly at: number;
  readonly seq: number;
  /** Set to drop an item without searching the heap (a stopped timer). */
  cancelled: boolean;
  /** The container whose own wake-up this is (undefined for timers, GPIO script, deadline). */
  readonly wakes: object | undefined;
  /** The run's deadline: after everything else due at the same time (events at T still happen). */
  readonly last: boolean;
  readonly run: () => void;
}

export class Timeline {
  private readonly heap: TimelineItem[] = [];
  private seq = 0;

  add(at: number, run: () => void, wakes?: object, last = false): TimelineItem {
    const item: TimelineItem = {
      at,
      seq: last ? Number.MAX_SAFE_INTEGER : this.seq++,
      cancelled: false,
      wakes,
      last,
      run,
    };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
    return item;
  }

  /** The earliest live item (cancelled ones are discarded on the way). */
  peek(): TimelineItem | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  pop(): TimelineItem | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: TimelineItem, b: TimelineItem): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
