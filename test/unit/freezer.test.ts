import { Freezer, type Pausable } from '../../src/context/freezer';
import { fixedTiming, MIN_GRACE_MS, PauseLatency, PAUSED_WITHIN_MS } from '../../src/context/freeze-timing';

/** A container stand-in whose pause and unpause finish only when the test says so. */
function slowContainer() {
  const calls: string[] = [];
  const pending: Array<() => void> = [];
  const call = (name: string) => () =>
    new Promise<void>((resolve) => {
      calls.push(name);
      pending.push(resolve);
    });
  const target: Pausable = { pause: call('pause'), unpause: call('unpause') };
  const finishNext = async () => {
    await new Promise((r) => setImmediate(r));
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { target, calls, finishNext };
}

describe('Freezer', () => {
  it('pauses at once without a grace period, and unpauses on thaw', async () => {
    const c = slowContainer();
    const f = new Freezer(c.target, fixedTiming(0), () => undefined);
    f.freeze();
    await c.finishNext();
    expect(f.isFrozen).toBe(true);
    const thawed = f.thaw();
    await c.finishNext();
    await thawed;
    expect(f.isFrozen).toBe(false);
    expect(c.calls).toEqual(['pause', 'unpause']);
  });

  it('a thaw asked while the pause is in flight unpauses after it, never before', async () => {
    const c = slowContainer();
    const f = new Freezer(c.target, fixedTiming(0), () => undefined);
    f.freeze();
    await new Promise((r) => setImmediate(r));
    const thawed = f.thaw();
    expect(c.calls).toEqual(['pause']);
    await c.finishNext(); // the pause lands
    await c.finishNext(); // then the unpause
    await thawed;
    expect(c.calls).toEqual(['pause', 'unpause']);
    expect(f.isFrozen).toBe(false);
  });

  it('a claim within the grace period cancels the freeze: no engine call at all', async () => {
    jest.useFakeTimers();
    try {
      const c = slowContainer();
      const f = new Freezer(c.target, fixedTiming(50), () => undefined);
      f.freeze();
      jest.advanceTimersByTime(49);
      f.hold();
      jest.advanceTimersByTime(100);
      for (let i = 0; i < 3; i++) await Promise.resolve();
      expect(c.calls).toEqual([]);
      f.freeze();
      jest.advanceTimersByTime(50);
      for (let i = 0; i < 3; i++) await Promise.resolve(); // the engine call follows in a microtask
      expect(c.calls).toEqual(['pause']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports a failed pause, and a failed unpause to the caller of thaw', async () => {
    const failures: unknown[] = [];
    const target: Pausable = {
      pause: () => Promise.reject(new Error('no such container')),
      unpause: () => Promise.reject(new Error('engine away')),
    };
    const f = new Freezer(target, fixedTiming(0), (err) => failures.push(err));
    f.freeze();
    await new Promise((r) => setImmediate(r));
    expect(failures).toHaveLength(1);
    expect(f.isFrozen).toBe(false);
    await expect(f.thaw()).resolves.toBe('thawed'); // never paused: nothing to undo
  });

  it('shrinks the grace by the slowest recent pause, so that Docker shows Paused within 100 ms', async () => {
    jest.useFakeTimers();
    try {
      const latency = new PauseLatency();
      let pauseMs = 40;
      const calls: string[] = [];
      const target: Pausable = {
        pause: () => {
          calls.push('pause');
          return new Promise((r) => setTimeout(r, pauseMs));
        },
        unpause: async () => void calls.push('unpause'),
      };
      const f = new Freezer(target, latency.timing(50), () => undefined);
      f.freeze(); // no pause seen yet: the grace as set
      jest.advanceTimersByTime(49);
      expect(calls).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls).toEqual(['pause']);
      await jest.advanceTimersByTimeAsync(pauseMs);
      expect(f.isFrozen).toBe(true);
      expect(latency.slowest()).toBeGreaterThanOrEqual(40);
      await f.thaw();
      f.freeze(); // a 40 ms pause leaves 100 - 10 - 1.5 × 40 = 30 ms of grace
      jest.advanceTimersByTime(29);
      expect(calls).toEqual(['pause', 'unpause']);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls).toEqual(['pause', 'unpause', 'pause']);
      pauseMs = 10;
      await jest.advanceTimersByTimeAsync(pauseMs);
      expect(latency.slowest()).toBeGreaterThanOrEqual(40); // still among the recent ones
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps a short grace while pauses take the whole deadline (back-to-back calls still skip the engine), and the full one once they are fast', () => {
    const latency = new PauseLatency();
    const timing = latency.timing(25);
    timing.paused(PAUSED_WITHIN_MS + 50);
    expect(timing.graceMs()).toBe(MIN_GRACE_MS);
    expect(latency.timing(5).graceMs()).toBe(5); // never more than asked for
    for (let i = 0; i < 8; i++) timing.paused(20);
    expect(timing.graceMs()).toBe(25);
    expect(fixedTiming(40).graceMs()).toBe(40);
  });
});
