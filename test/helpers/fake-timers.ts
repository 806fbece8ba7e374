import type { Timers } from '../../src/extensions/timers';

/** The Extensions and Telemetry APIs' clock, moved by the test: due callbacks run in time order. */
export class FakeTimers implements Timers {
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
    }
    this.t = end;
  }
}
