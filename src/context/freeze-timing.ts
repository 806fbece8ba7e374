/**
 * When a context's `docker pause` starts. docs/execution-context.md lets a runtime whose code is already
 * stopped at its response (Node.js, Python) stay thawed a short grace, so that steady traffic
 * skips the engine, as long as Docker shows it `Paused` within 100 ms of that response. The pause
 * itself takes the engine 10-80 ms (more on a loaded host), so the grace shrinks by the slowest
 * recent pause, with headroom, to keep grace + pause under the deadline. Never below MIN_GRACE_MS: an engine
 * whose pause alone takes ~90 ms cannot keep the deadline even without a grace, and without one
 * every call of back-to-back traffic would pay a pause and an unpause, making the engine slower
 * still. One per engine: every context shares it.
 */
export const PAUSED_WITHIN_MS = 100;
/** The response's way to the client, the runtime's next GET /next, timer lateness. */
const SLACK_MS = 10;
/** Enough for the next call of a client that calls back to back (the pool hands out the context used last). */
export const MIN_GRACE_MS = 10;
/** Recent pauses that count: a slow one shortens the grace for this many freezes. */
const WINDOW = 8;
/** Headroom: the next pause may be slower than any of the recent ones (they vary by half on a quiet host). */
const HEADROOM = 1.5;

export interface FreezeTiming {
  /** Milliseconds to wait before `docker pause`, now. */
  graceMs(): number;
  /** How long a `docker pause` just took, ms. */
  paused(ms: number): void;
}

/** A fixed wait (0 = pause at once; freezeDelay, which gives up the deadline on purpose). */
export function fixedTiming(ms: number): FreezeTiming {
  return { graceMs: () => ms, paused: () => undefined };
}

/** Tracks the engine's pause latency; hands out graces of at most `maxGraceMs` that keep the deadline. */
export class PauseLatency {
  private readonly recent: number[] = [];

  /** The slowest of the recent pauses, ms (0 before the first). */
  slowest(): number {
    return this.recent.length ? Math.max(...this.recent) : 0;
  }

  record(ms: number): void {
    this.recent.push(ms);
    if (this.recent.length > WINDOW) this.recent.shift();
  }

  /** A grace of at most `maxGraceMs` such that grace + 1.5 × the slowest recent pause + slack ≤ 100 ms, if it can be. */
  timing(maxGraceMs: number): FreezeTiming {
    const least = Math.min(maxGraceMs, MIN_GRACE_MS);
    return {
      graceMs: () => Math.max(least, Math.min(maxGraceMs, PAUSED_WITHIN_MS - SLACK_MS - HEADROOM * this.slowest())),
      paused: (ms) => this.record(ms),
    };
  }
}
