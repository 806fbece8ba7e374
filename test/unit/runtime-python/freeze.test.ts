import { requirePython311, runRuntime } from './harness';

beforeAll(requirePython311);

describe('python runtime: nothing of the function runs between its result and the next event', () => {
  it('a 10 ms SIGALRM timer armed by the handler fires only once the next event is handed over', async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      events: [
        { requestId: 'a1', payload: { action: 'alarm' } },
        // Held back well past the timer: a handler run while the runtime waits would print now.
        { requestId: 'a2', payload: { action: 'str' }, holdMs: 300 },
      ],
    });
    expect(r.posted.map((p) => p.body)).toEqual(['"armed"', '"just a string"']);
    expect(r.stdoutBeforeEvent[1]).not.toContain('ALARM FIRED');
    const atSecondPost = r.posted[1].stdoutAtPost;
    expect(atSecondPost.indexOf('ALARM FIRED')).toBeGreaterThan(atSecondPost.indexOf('\u001eEND a1'));
    expect(atSecondPost.indexOf('ALARM FIRED')).toBeLessThan(atSecondPost.indexOf('\u001eEND a2'));
  });
});
