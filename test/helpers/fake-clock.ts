import type { Clock } from '../../src/clock';

/** A clock that moves only when told to; intervals fire as time passes. */
export class FakeClock implements Clock {
  private t = 1_000_000;
  private timers: Array<{ fn: () => void; every: number; next: number; live: boolean }> = [];

  now(): number {
    return this.t;
  }

  setInterval(fn: () => void, ms: number) {
    const timer = { fn, every: ms, next: this.t + ms, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.t = due.next;
      due.next += due.every;
      due.fn();
    }
    this.t = end;
  }
}
