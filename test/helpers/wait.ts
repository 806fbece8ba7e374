/** Waiting in tests: one bounded poll and one pause, shared by every test file. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` every `everyMs` until it returns true; returns how long that took. Fails after
 * `timeoutMs` with `what` (a function: computed then, to show what was seen last), so a stuck test
 * says what it was waiting for. The default deadline is generous: the engine on a loaded host can
 * be several times slower than on a developer's.
 */
export async function waitFor(
  what: string | (() => string),
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await sleep(everyMs);
  }
}

/** waitFor for a condition of the test's own state, named by its source text (`() => calls.includes('pause')`). */
export function until(cond: () => boolean, timeoutMs = 30_000): Promise<number> {
  return waitFor(String(cond), cond, timeoutMs, 5);
}
