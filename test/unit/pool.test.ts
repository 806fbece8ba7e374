import { ContextPool } from '../../src/context/pool';
import { TooManyRequestsException } from '../../src/errors';
import { FakeMember, fnConfig } from '../helpers/fake-member';

/** `slots`: invocations each context may run at the same time. */
function makePool(budgetMb = 10_000, slots = 1) {
  let now = 0;
  const created: FakeMember[] = [];
  const pool = new ContextPool<FakeMember>((fn, initType) => {
    const m = new FakeMember(fn, initType === 'provisioned-concurrency', now, slots);
    created.push(m);
    return m;
  }, budgetMb);
  return { pool, created, tick: (ms: number) => (now += ms), now: () => now };
}

describe('ContextPool', () => {
  const hello = fnConfig('hello');

  it('starts a new context when none is free, and marks it taken at once', () => {
    const { pool } = makePool();
    const a = pool.acquire(hello);
    const b = pool.acquire(hello);
    expect(a.started).toBeDefined();
    expect(b.ctx).not.toBe(a.ctx);
    expect(pool.members()).toHaveLength(2);
  });

  it('reuses a frozen context, most recently used first', () => {
    const { pool } = makePool();
    const a = pool.acquire(hello).ctx;
    const b = pool.acquire(hello).ctx;
    a.finish(10);
    b.finish(20);
    const lease = pool.acquire(hello);
    expect(lease.ctx).toBe(b);
    expect(lease.started).toBeUndefined();
    expect(b.state).toBe('busy');
    expect(pool.acquire(hello).ctx).toBe(a);
  });

  it('never hands a context of one function to another', () => {
    const { pool } = makePool();
    pool.acquire(hello).ctx.finish(1);
    const other = pool.acquire(fnConfig('other'));
    expect(other.started).toBeDefined();
    expect(other.ctx.fn.name).toBe('other');
  });

  it('answers 429 ReservedFunctionConcurrentInvocationLimitExceeded beyond reservedConcurrency', () => {
    const { pool } = makePool();
    const capped = fnConfig('capped', { reservedConcurrency: 2 });
    pool.acquire(capped);
    pool.acquire(capped);
    let err: unknown;
    try {
      pool.acquire(capped);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect((err as TooManyRequestsException).statusCode).toBe(429);
    expect((err as TooManyRequestsException).toBody().Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('at the reserved cap, still serves from a free context', () => {
    const { pool } = makePool();
    const capped = fnConfig('capped', { reservedConcurrency: 1 });
    pool.acquire(capped).ctx.finish(5);
    expect(pool.acquire(capped).started).toBeUndefined();
  });

  it('reservedConcurrency 0 throttles every call', () => {
    const { pool } = makePool();
    expect(() => pool.acquire(fnConfig('off', { reservedConcurrency: 0 }))).toThrow(TooManyRequestsException);
  });

  it('evicts the least recently used frozen contexts of any function to fit the memory budget', () => {
    const { pool } = makePool(512);
    const big = fnConfig('big', { memorySize: 256 });
    const a = pool.acquire(hello).ctx;
    const b = pool.acquire(hello).ctx;
    const c = pool.acquire(fnConfig('x', { memorySize: 256 })).ctx;
    a.finish(1);
    b.finish(3);
    c.finish(2);
    pool.acquire(big); // needs 256: a (128, oldest) and c (256) must go? a then c in LRU order
    expect(a.destroyed).toBe(true);
    expect(c.destroyed).toBe(true);
    expect(b.destroyed).toBe(false);
    expect(pool.usedMb()).toBeLessThanOrEqual(512);
  });

  it('answers 429 ConcurrentInvocationLimitExceeded when busy contexts fill the budget', () => {
    const { pool } = makePool(256);
    pool.acquire(hello);
    pool.acquire(hello);
    let err: unknown;
    try {
      pool.acquire(hello);
    } catch (e) {
      err = e;
    }
    expect((err as TooManyRequestsException).toBody().Reason).toBe('ConcurrentInvocationLimitExceeded');
  });

  it('never evicts provisioned contexts', () => {
    const { pool } = makePool(256);
    const p = pool.provision(hello).ctx;
    p.finish(1);
    pool.acquire(fnConfig('x')).ctx.finish(2);
    expect(() => pool.acquire(fnConfig('y', { memorySize: 256 }))).toThrow(TooManyRequestsException);
    expect(p.destroyed).toBe(false);
  });

  it('fills the free slots of a context with several before it starts another, and never overfills one', () => {
    const { pool } = makePool(10_000, 2);
    const a = pool.acquire(hello).ctx;
    a.finish(1); // its cold invocation is over: two free slots
    expect(a.freeSlots).toBe(2);
    const first = pool.acquire(hello);
    const second = pool.acquire(hello); // in the same tick: each claim took its slot at once
    expect([first.ctx, second.ctx]).toEqual([a, a]);
    expect(first.started).toBeUndefined();
    expect(a.freeSlots).toBe(0);
    const third = pool.acquire(hello);
    expect(third.ctx).not.toBe(a);
    expect(third.started).toBeDefined();
    a.finish(2); // one answered: one slot free again, still busy (not frozen)
    expect(a.state).toBe('busy');
    expect(pool.acquire(hello).ctx).toBe(a);
  });

  it('prefers the most recently used context with a free slot, busy or frozen', () => {
    const { pool } = makePool(10_000, 2);
    const a = pool.acquire(hello).ctx;
    const b = pool.acquire(hello).ctx;
    a.finish(10);
    b.finish(20);
    expect(pool.acquire(hello).ctx).toBe(b); // b: one in flight, one slot free
    b.lastUsedAt = 5; // now a was used last
    expect(pool.acquire(hello).ctx).toBe(a); // frozen, used at 10
    expect(pool.acquire(hello).ctx).toBe(a); // busy with one, still the most recent with a free slot
    expect(pool.acquire(hello).ctx).toBe(b); // a is full
    expect(pool.members()).toHaveLength(2);
  });

  it('forgets a context that dies', async () => {
    const { pool } = makePool();
    const a = pool.acquire(hello).ctx;
    await a.destroy();
    expect(pool.members()).toHaveLength(0);
  });
});
