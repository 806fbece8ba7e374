import type { Clock } from '../../src/clock';
import type { Timers } from '../../src/extensions/timers';

/**
 * Time that moves only when the test says so, for both of src's clocks: the pool's and the
 * reaper's intervals (Clock) and the Extensions and Telemetry APIs' timeouts (Timers).
 * advance() runs every callback that falls due, in time order, with now() at its due time.
 */
export class FakeClock implements Clock, Timers {
  private timers: Array<{ fn: () => void; next: number; every: number | null; live: boolean }> = [];

  constructor(public t = 1_000_000) {}

  now(): number {
    return this.t;
  }

  setInterval(fn: () => void, ms: number): { cancel(): void } {
    const timer = { fn, next: this.t + ms, every: ms, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { fn, next: this.t + ms, every: null, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.t = due.next;
      if (due.every === null) due.live = false;
      else due.next += due.every;
      due.fn();
    }
    this.t = end;
  }
}
