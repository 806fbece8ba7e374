import type { FreezeTiming } from './freeze-timing';

/**
 * How a thaw went: 'resumed-elsewhere' when the engine found the container already running although
 * it was paused by us: someone else resumed it (`docker kill`, `stop` and `rm -f` do, to deliver
 * their signal), and nothing of the function ran since.
 */
export type ThawOutcome = 'thawed' | 'resumed-elsewhere';

/** What the freezer needs of a container. */
export interface Pausable {
  pause(): Promise<void>;
  /** Resolves 'resumed-elsewhere' where the engine says the container was not paused. */
  unpause(): Promise<ThawOutcome | void>;
}

/**
 * Pauses and unpauses one container, one engine call at a time. It does not decide *when*: the
 * execution context does (`settle`), and asks for a freeze (`freeze`) or a thaw (`thaw`). A
 * freeze may wait a grace period first (`timing` says how long, and learns how long pauses take);
 * a thaw or `hold` within it cancels the freeze.
 */
export class Freezer {
  private frozen = false;
  private wanted = false;
  private grace: NodeJS.Timeout | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly target: Pausable,
    private readonly timing: FreezeTiming,
    /** A pause that failed: the container cannot be frozen, so it must not be reused. */
    private readonly onFreezeFailed: (err: unknown) => void,
  ) {}

  get isFrozen(): boolean {
    return this.frozen;
  }

  freeze(): void {
    if (this.wanted) return;
    this.wanted = true;
    const graceMs = this.timing.graceMs();
    if (graceMs <= 0) return this.pauseNow();
    this.grace = setTimeout(() => this.pauseNow(), graceMs);
    this.grace.unref();
  }

  /** Cancels a freeze that has not started yet (an invocation claimed the context). */
  hold(): void {
    this.wanted = false;
    if (this.grace) clearTimeout(this.grace);
    this.grace = undefined;
  }

  /** Running again once this resolves; rejects with the engine's error if unpause fails. */
  thaw(): Promise<ThawOutcome> {
    this.hold();
    return this.step(async () => {
      if (!this.frozen) return 'thawed';
      const how = (await this.target.unpause()) ?? 'thawed';
      this.frozen = false;
      return how;
    });
  }

  private pauseNow(): void {
    this.grace = undefined;
    this.step(async () => {
      if (!this.wanted || this.frozen) return;
      const start = performance.now();
      await this.target.pause();
      this.timing.paused(performance.now() - start);
      this.frozen = true;
    }).catch(this.onFreezeFailed);
  }

  /** Engine calls in order: a thaw asked during a pause unpauses after it. */
  private step<T>(run: () => Promise<T>): Promise<T> {
    const p = this.tail.then(run);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
