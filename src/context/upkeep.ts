import type { Clock } from '../clock';

/**
 * Periodic housekeeping of a running orchestrator (removals to retry, retired contexts to evict,
 * contexts to replenish). A tick never overlaps the previous one, and one task failing
 * never stops the others or the next tick.
 */
export class Upkeep {
  private timer: { cancel(): void } | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    private intervalMs: number,
    private readonly tasks: ReadonlyArray<() => unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= this.clock.setInterval(() => void this.tick(), this.intervalMs);
  }

  /** A new interval (settings reloaded); a running timer restarts with it. */
  configure(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    const running = this.timer !== undefined;
    this.stop();
    this.intervalMs = intervalMs;
    if (running) this.start();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  tick(): Promise<void> {
    this.running ??= (async () => {
      const results = await Promise.allSettled(this.tasks.map(async (task) => task()));
      for (const r of results) if (r.status === 'rejected') this.onError(r.reason);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
