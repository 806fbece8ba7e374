/** Time for the Extensions and Telemetry APIs, passed in so that tests can drive it. */
export interface Timers {
  now(): number;
  /** Calls `fn` once after `ms`; returns its cancel. Never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};
