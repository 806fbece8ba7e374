import { Invoker } from '../../src/invocation/invoker';
import type { ContextPool } from '../../src/context/pool';
import type { ExecutionContext } from '../../src/context/execution-context';
import { fnConfig } from '../helpers/fake-member';
import { sleep } from '../helpers/wait';

/** A pool that cannot start anything: every Event attempt fails and waits for its retry. */
function failingPool(): ContextPool<ExecutionContext> {
  return {
    acquire: () => {
      throw new Error('no room');
    },
  } as unknown as ContextPool<ExecutionContext>;
}

describe('Invoker.close', () => {
  it('drops the Event retries still waiting, says so, and runs none of them', async () => {
    const lines: string[] = [];
    let attempts = 0;
    const pool = failingPool();
    const acquire = pool.acquire.bind(pool);
    pool.acquire = (fn) => {
      attempts++;
      return acquire(fn);
    };
    const f = fnConfig('f');
    const invoker = new Invoker(
      () => ({ functions: new Map([['f', f]]) }),
      pool,
      (l) => lines.push(l),
    );
    const id = invoker.invokeEvent(f, { payload: Buffer.from('{}'), tail: false });
    await new Promise((r) => setImmediate(r));
    expect(attempts).toBe(1);
    invoker.close();
    expect(lines.some((l) => l.includes(id) && /retry dropped/.test(l))).toBe(true);
    await sleep(1200); // past the first retry's delay
    expect(attempts).toBe(1);
  });
});
