import { FREEZE_RETRY_MS, pauseRetrying } from '../../src/context/context-container';

/** A pause that fails with each of `errors` in turn, then succeeds. */
function flakyPause(errors: string[]) {
  let calls = 0;
  return {
    calls: () => calls,
    pause: async () => {
      const e = errors[calls++];
      if (e !== undefined) throw new Error(e);
    },
  };
}

const REFUSED = '(HTTP code 500) server error - cannot pause container x: OCI runtime pause failed: unable to freeze: unknown';

describe('pauseRetrying (docker pause on a busy host)', () => {
  it('retries a refused freeze after each wait, and keeps the context when one succeeds', async () => {
    const waits: number[] = [];
    const p = flakyPause(FREEZE_RETRY_MS.map(() => REFUSED));
    await pauseRetrying(p.pause, FREEZE_RETRY_MS, async (ms) => void waits.push(ms));
    expect(p.calls()).toBe(FREEZE_RETRY_MS.length + 1);
    expect(waits).toEqual([...FREEZE_RETRY_MS]);
  });

  it('gives up after the last retry with the engine error', async () => {
    const p = flakyPause([...FREEZE_RETRY_MS, 0].map(() => REFUSED));
    await expect(pauseRetrying(p.pause, FREEZE_RETRY_MS, async () => undefined)).rejects.toThrow(/unable to freeze/);
    expect(p.calls()).toBe(FREEZE_RETRY_MS.length + 1);
  });

  it('takes "already paused" as done, and does not retry other errors', async () => {
    const done = flakyPause(['Container x is already paused']);
    await pauseRetrying(done.pause, FREEZE_RETRY_MS, async () => undefined);
    expect(done.calls()).toBe(1);
    const gone = flakyPause(['(HTTP code 404) no such container']);
    await expect(pauseRetrying(gone.pause, FREEZE_RETRY_MS, async () => undefined)).rejects.toThrow(/no such container/);
    expect(gone.calls()).toBe(1);
  });
});
