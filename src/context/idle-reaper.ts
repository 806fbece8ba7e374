import type { Clock } from '../clock';
import type { ContextPool, PoolMember } from './pool';
import type { ReaperTiming } from './timings';

export interface ReaperOptions extends ReaperTiming {
  onError(err: unknown): void;
}

/**
 * Removes frozen contexts and stems unused for longer than idleTimeout. Provisioned and busy contexts are
 * never touched. A sweep that fails in part never stops the next one.
 */
export class IdleReaper<M extends PoolMember> {
  private timer: { cancel(): void } | undefined;

  constructor(
    private readonly pool: ContextPool<M>,
    private readonly clock: Clock,
    private opts: ReaperOptions,
  ) {}

  /** New timings (settings reloaded); a running sweep timer restarts with the new interval. */
  configure(timing: ReaperTiming): void {
    const running = this.timer !== undefined;
    this.stop();
    this.opts = { ...this.opts, ...timing };
    if (running) this.start();
  }

  start(): void {
    this.timer ??= this.clock.setInterval(() => void this.sweep(), this.opts.intervalMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The contexts a sweep at `now` removes. */
  stale(now: number): M[] {
    return this.pool.members().filter((m) => (m.available || m.parked) && !m.provisioned && now - m.lastUsedAt > this.opts.idleTimeoutMs);
  }

  /** Overlapping sweeps are harmless: eviction takes a context out of the pool synchronously. */
  async sweep(): Promise<M[]> {
    const doomed = this.stale(this.clock.now());
    const results = await Promise.allSettled(doomed.map((m) => this.pool.evict(m)));
    for (const r of results) if (r.status === 'rejected') this.opts.onError(r.reason);
    return doomed;
  }
}
