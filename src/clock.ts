/** Time, passed in so that the pool and the reaper can be tested with a fake clock. */
export interface Clock {
  now(): number;
  setInterval(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref(); // the reaper must never keep the process alive
    return { cancel: () => clearInterval(t) };
  },
};
