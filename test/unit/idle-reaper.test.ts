import { ContextPool } from '../../src/context/pool';
import { IdleReaper } from '../../src/context/idle-reaper';
import { defaultReaperIntervalMs } from '../../src/context/timings';
import { FakeClock } from '../helpers/fake-clock';
import { FakeMember, fnConfig } from '../helpers/fake-member';

function setup(idleTimeoutMs = 10_000, intervalMs = 1_000) {
  const clock = new FakeClock();
  const pool = new ContextPool<FakeMember>((fn, t) => new FakeMember(fn, t === 'provisioned-concurrency', clock.now()), 100_000);
  const errors: unknown[] = [];
  const reaper = new IdleReaper(pool, clock, { idleTimeoutMs, intervalMs, onError: (e) => errors.push(e) });
  return { clock, pool, reaper, errors };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('IdleReaper', () => {
  it('removes a frozen context once it has been idle longer than idleTimeout, not before', async () => {
    const { clock, pool, reaper } = setup();
    const m = pool.acquire(fnConfig('f')).ctx;
    m.finish(clock.now());
    reaper.start();
    clock.advance(9_999);
    await flush();
    expect(m.destroyed).toBe(false);
    clock.advance(2_001); // the first sweep after the deadline
    await flush();
    expect(m.destroyed).toBe(true);
    expect(pool.members()).toHaveLength(0);
    reaper.stop();
  });

  it('never touches busy, initializing or provisioned contexts', async () => {
    const { clock, pool, reaper } = setup();
    const busy = pool.acquire(fnConfig('f')).ctx;
    busy.state = 'busy';
    const init = pool.acquire(fnConfig('f')).ctx;
    const prov = pool.provision(fnConfig('f')).ctx;
    prov.finish(clock.now());
    clock.advance(1_000_000);
    await reaper.sweep();
    expect([busy.destroyed, init.destroyed, prov.destroyed]).toEqual([false, false, false]);
  });

  it('keeps sweeping after a removal fails', async () => {
    const { clock, pool, reaper, errors } = setup();
    const bad = pool.acquire(fnConfig('f')).ctx;
    const good = pool.acquire(fnConfig('f')).ctx;
    bad.destroy = async () => {
      throw new Error('engine said no');
    };
    bad.finish(clock.now());
    good.finish(clock.now());
    reaper.start();
    clock.advance(11_000);
    await flush();
    expect(good.destroyed).toBe(true);
    expect(errors).toHaveLength(1);
    const later = pool.acquire(fnConfig('f')).ctx;
    later.finish(clock.now());
    clock.advance(11_000);
    await flush();
    expect(later.destroyed).toBe(true);
    reaper.stop();
  });

  it('sweeps often enough to meet idleTimeout × 1.25 + 1 s', () => {
    for (const idle of [1_000, 10_000, 600_000, 3_600_000]) {
      expect(idle + defaultReaperIntervalMs(idle)).toBeLessThanOrEqual(idle * 1.25 + 1_000);
    }
  });
});
