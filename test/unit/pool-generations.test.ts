import { ContextPool } from '../../src/context/pool';
import { FakeMember, fnConfig } from '../helpers/fake-member';

/** Reload generations, removal failures and eviction order of the pool, with fake members. */
function makePool(budgetMb = 10_000) {
  let now = 0;
  const failedRemovals: FakeMember[] = [];
  const pool = new ContextPool<FakeMember>((fn, initType) => new FakeMember(fn, initType === 'provisioned-concurrency', now), budgetMb, {
    onRemovalFailed: (m) => failedRemovals.push(m),
  });
  return { pool, failedRemovals, at: (t: number) => (now = t) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('ContextPool generations (reload)', () => {
  it('after retire, a frozen context of the old configuration is removed and a new one is started', () => {
    const { pool } = makePool();
    const v1 = fnConfig('f');
    const old = pool.acquire(v1).ctx;
    old.finish(1);
    pool.retire('f');
    expect(old.destroyed).toBe(true);
    const v2 = fnConfig('f', { memorySize: 256 });
    const lease = pool.acquire(v2);
    expect(lease.started).toBeDefined();
    expect(lease.ctx.fn.memorySize).toBe(256);
    expect(pool.isCurrent(lease.ctx)).toBe(true);
  });

  it('a busy context of the old configuration finishes its invocation, is never handed out again, and goes once free', () => {
    const { pool } = makePool();
    const busy = pool.acquire(fnConfig('f')).ctx;
    busy.state = 'busy';
    pool.retire('f');
    expect(busy.destroyed).toBe(false);
    expect(pool.isCurrent(busy)).toBe(false);
    const fresh = pool.acquire(fnConfig('f')).ctx;
    expect(fresh).not.toBe(busy);
    busy.finish(5); // its invocation is over
    fresh.finish(6);
    expect(pool.evictRetired()).toBe(1);
    expect(busy.destroyed).toBe(true);
    expect(fresh.destroyed).toBe(false); // current: kept
    expect(pool.acquire(fnConfig('f')).ctx).toBe(fresh);
  });

  it('evictRetired removes old contexts that became free without a release (a provisioned init)', () => {
    const { pool } = makePool();
    const p = pool.provision(fnConfig('f', { provisionedConcurrency: 1 })).ctx; // initializing
    pool.retire('f');
    expect(p.destroyed).toBe(false);
    p.finish(1);
    expect(pool.evictRetired()).toBe(1);
    expect(p.destroyed).toBe(true);
  });

  it('retiring one function leaves the others alone; generations stack', () => {
    const { pool } = makePool();
    const g = pool.acquire(fnConfig('g')).ctx;
    g.finish(1);
    const f1 = pool.acquire(fnConfig('f')).ctx;
    f1.state = 'busy';
    pool.retire('f');
    const f2 = pool.acquire(fnConfig('f')).ctx;
    f2.state = 'busy';
    pool.retire('f');
    expect([pool.isCurrent(f1), pool.isCurrent(f2), pool.isCurrent(g)]).toEqual([false, false, true]);
    expect(g.destroyed).toBe(false);
    const f3 = pool.acquire(fnConfig('f')).ctx;
    expect(pool.isCurrent(f3)).toBe(true);
  });

  it('old busy contexts still count against reservedConcurrency (they are running)', () => {
    const { pool } = makePool();
    const capped = fnConfig('c', { reservedConcurrency: 1 });
    pool.acquire(capped).ctx.state = 'busy';
    pool.retire('c');
    expect(() => pool.acquire(capped)).toThrow(/Rate Exceeded/);
  });
});

describe('ContextPool removal failures', () => {
  it('reports an eviction whose removal fails, once', async () => {
    const { pool, failedRemovals } = makePool();
    const m = pool.acquire(fnConfig('f')).ctx;
    m.finish(1);
    m.destroy = async () => {
      throw new Error('engine unreachable');
    };
    await expect(pool.evict(m)).rejects.toThrow('engine unreachable');
    await pool.evict(m).catch(() => undefined);
    expect(failedRemovals).toEqual([m]);
  });

  it('reports a context that died by itself and whose own removal failed', async () => {
    const { pool, failedRemovals } = makePool();
    const m = pool.acquire(fnConfig('f')).ctx;
    const realDestroy = m.destroy.bind(m);
    m.destroy = async () => {
      await realDestroy(); // listeners: the pool forgets it
      throw new Error('remove failed');
    };
    void m.destroy().catch(() => undefined); // e.g. the container crashed
    await flush();
    expect(pool.members()).toHaveLength(0);
    expect(failedRemovals).toEqual([m]);
  });
});

describe('ContextPool eviction order', () => {
  it('evicts only as many frozen contexts as needed, least recently used first, across functions', () => {
    const { pool } = makePool(512);
    const a = pool.acquire(fnConfig('a')).ctx;
    const b = pool.acquire(fnConfig('b')).ctx;
    const c = pool.acquire(fnConfig('c')).ctx;
    const d = pool.acquire(fnConfig('d')).ctx;
    b.finish(10);
    a.finish(30);
    c.finish(20);
    d.state = 'busy';
    pool.acquire(fnConfig('e')); // 128 more: exactly one must go, the LRU frozen one (b)
    expect([a.destroyed, b.destroyed, c.destroyed, d.destroyed]).toEqual([false, true, false, false]);
    pool.acquire(fnConfig('e')); // then c (20) before a (30)
    expect([a.destroyed, c.destroyed]).toEqual([false, true]);
  });

  it('a lowered budget applies to the next context started', () => {
    const { pool } = makePool(1024);
    const a = pool.acquire(fnConfig('a')).ctx;
    a.finish(1);
    pool.setBudget(128);
    expect(pool.budget).toBe(128);
    pool.acquire(fnConfig('b'));
    expect(a.destroyed).toBe(true);
  });
});
