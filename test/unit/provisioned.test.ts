import { ContextPool, type Lease } from '../../src/context/pool';
import { provisionBackoffMs, ProvisionedConcurrency } from '../../src/context/provisioned';
import { FakeClock } from '../helpers/fake-clock';
import { FakeMember, fnConfig } from '../helpers/fake-member';

function setup(budgetMb = 10_000) {
  const clock = new FakeClock();
  const pool = new ContextPool<FakeMember>((fn, t) => new FakeMember(fn, t === 'provisioned-concurrency', clock.now()), budgetMb);
  const errors: string[] = [];
  let failInit = false;
  const keeper = new ProvisionedConcurrency<FakeMember>({
    pool,
    ready: async (lease: Lease<FakeMember>) => {
      if (failInit) {
        await lease.ctx.destroy();
        throw new Error('init failed');
      }
      lease.ctx.finish(clock.now());
    },
    now: () => clock.now(),
    onError: (fn, err) => errors.push(`${fn}: ${(err as Error).message}`),
  });
  return { clock, pool, keeper, errors, failInits: (v: boolean) => (failInit = v) };
}

describe('ProvisionedConcurrency', () => {
  const fn = fnConfig('p', { provisionedConcurrency: 3 });

  it('starts the missing contexts, provisioned and initialised, and no more on the next top-up', async () => {
    const { pool, keeper } = setup();
    expect(await keeper.topUp([fn, fnConfig('none')])).toEqual({ started: 3, errors: [] });
    expect(pool.members().map((m) => [m.provisioned, m.state])).toEqual([
      [true, 'frozen'],
      [true, 'frozen'],
      [true, 'frozen'],
    ]);
    expect((await keeper.topUp([fn])).started).toBe(0);
  });

  it('counts busy provisioned contexts as there, and replaces one that died', async () => {
    const { pool, keeper } = setup();
    await keeper.topUp([fn]);
    const busy = pool.acquire(fn).ctx; // a provisioned context serving a call still counts
    expect(busy.provisioned).toBe(true);
    expect(keeper.missing(fn)).toBe(0);
    await pool
      .members()
      .find((m) => m !== busy)!
      .destroy(); // one dies
    expect(keeper.missing(fn)).toBe(1);
    expect((await keeper.topUp([fn])).started).toBe(1);
    expect(pool.members()).toHaveLength(3);
  });

  it('after a reload, provisions contexts of the new configuration; the old ones are retired', async () => {
    const { pool, keeper } = setup();
    await keeper.topUp([fn]);
    const old = pool.members();
    pool.retire('p');
    expect(old.every((m) => m.destroyed)).toBe(true);
    const v2 = fnConfig('p', { provisionedConcurrency: 2, memorySize: 256 });
    expect((await keeper.topUp([v2])).started).toBe(2);
    expect(pool.members().map((m) => m.fn.memorySize)).toEqual([256, 256]);
  });

  it('backs off after failed inits: 1 s, 2 s, 4 s ... at most 60 s', async () => {
    const { clock, keeper, errors, failInits } = setup();
    failInits(true);
    const one = fnConfig('p', { provisionedConcurrency: 1 });
    expect((await keeper.topUp([one])).errors).toHaveLength(1);
    expect((await keeper.topUp([one])).started).toBe(0); // in its back-off delay
    clock.advance(1000);
    expect((await keeper.topUp([one])).started).toBe(1); // second failure: 2 s now
    clock.advance(1999);
    expect((await keeper.topUp([one])).started).toBe(0);
    clock.advance(1);
    failInits(false);
    expect(await keeper.topUp([one])).toEqual({ started: 1, errors: [] });
    expect(errors).toEqual(['p: init failed', 'p: init failed']);
    expect([1, 2, 3, 7, 8, 100].map(provisionBackoffMs)).toEqual([1000, 2000, 4000, 60_000, 60_000, 60_000]);
  });

  it('reports a memory budget too small for the provisioned contexts', async () => {
    const { keeper, errors } = setup(256);
    const r = await keeper.topUp([fn]);
    expect(r.started).toBe(3);
    expect(r.errors).toHaveLength(1);
    expect(errors[0]).toMatch(/memory budget/);
  });
});
