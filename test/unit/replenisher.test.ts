import type { FunctionConfig } from '../../src/config/types';
import { ContextPool } from '../../src/context/pool';
import { Replenisher } from '../../src/context/replenisher';
import { FakeClock } from '../helpers/fake-clock';
import { FakeMember, fnConfig } from '../helpers/fake-member';

/** A fake that is a stem while nobody has claimed it (FakeMember itself never is). */
function stemOf(m: FakeMember): FakeMember {
  let parked = true;
  Object.defineProperty(m, 'parked', { get: () => parked && m.state !== 'dead' });
  m.claimStem = () => {
    if (!parked || m.state === 'dead') return false;
    parked = false;
    m.state = 'busy';
    return true;
  };
  return m;
}

function setup(functions: FunctionConfig[]) {
  const clock = new FakeClock();
  const pool = new ContextPool<FakeMember>((fn, t, stem) => {
    const m = new FakeMember(fn, t === 'provisioned-concurrency', clock.now());
    return stem ? stemOf(m) : m;
  }, 10_000);
  const reports: string[] = [];
  const failing = new Set<string>();
  let stems = 1;
  const replenisher = new Replenisher<FakeMember>({
    pool,
    functions: () => functions,
    stemCount: () => stems,
    now: () => clock.now(),
    initialized: async (lease) => {
      if (failing.has(lease.ctx.fn.name)) {
        await lease.ctx.destroy();
        throw new Error('init failed');
      }
      lease.ctx.finish(clock.now());
    },
    booted: async () => undefined, // a booted stem waits to be claimed: never `available`
    report: (line) => reports.push(line),
  });
  pool.onStemClaimed((fn) => void replenisher.topUp([fn]));
  const kinds = () =>
    pool
      .members()
      .map((m) => `${m.fn.name}:${m.provisioned ? 'provisioned' : m.parked ? 'stem' : 'on-demand'}`)
      .sort();
  return { pool, replenisher, reports, failing, kinds, setStems: (n: number) => (stems = n) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('Replenisher', () => {
  const p = fnConfig('p', { provisionedConcurrency: 2 });
  const s = fnConfig('s');
  const sh = fnConfig('sh', { runtime: 'provided.al2023' });

  it('tops up every served function: its provisioned contexts and its stems (none for a provided runtime), once', async () => {
    const { replenisher, kinds } = setup([p, s, sh]);
    expect(await replenisher.topUp()).toEqual({ provisioned: 2, errors: [] });
    expect(kinds()).toEqual(['p:provisioned', 'p:provisioned', 'p:stem', 's:stem']);
    expect(await replenisher.topUp()).toEqual({ provisioned: 0, errors: [] });
    expect(kinds()).toHaveLength(4);
  });

  it('boots the next stem as soon as a cold start claims one', async () => {
    const { pool, replenisher, kinds } = setup([s]);
    await replenisher.topUp();
    const claimed = pool.acquire(s).ctx;
    expect(claimed.parked).toBe(false);
    await flush();
    expect(kinds()).toEqual(['s:on-demand', 's:stem']);
  });

  it('follows a new stem count on the next top-up', async () => {
    const { replenisher, kinds, setStems } = setup([s]);
    await replenisher.topUp();
    setStems(3);
    await replenisher.topUp();
    expect(kinds()).toEqual(['s:stem', 's:stem', 's:stem']);
  });

  it('start() fails when a provisioned init fails, and says which function', async () => {
    const { replenisher, failing, reports } = setup([p]);
    failing.add('p');
    await expect(replenisher.start()).rejects.toThrow(/provisioned concurrency: 2 context\(s\) failed to initialise: init failed/);
    expect(reports).toContain('p: a provisioned context failed to initialise: init failed');
  });

  it('starts nothing, and reports nothing, once the pool is drained', async () => {
    const { pool, replenisher, reports } = setup([p, s]);
    await pool.drain();
    expect(await replenisher.topUp()).toEqual({ provisioned: 0, errors: [] });
    expect(pool.members()).toHaveLength(0);
    expect(reports).toEqual([]);
  });
});
