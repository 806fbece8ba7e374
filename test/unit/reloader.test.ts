import type { FunctionConfig, ProjectConfig, Settings } from '../../src/config/types';
import { ContextPool } from '../../src/context/pool';
import { Reloader } from '../../src/reload/reloader';
import { ServedConfig } from '../../src/reload/served-config';
import { FakeMember, fnConfig } from '../helpers/fake-member';

const settings = { idleTimeout: 600, reaperInterval: null, memoryBudget: null, region: 'us-east-1' } as unknown as Settings;

function project(fns: FunctionConfig[], s: Partial<Settings> = {}): ProjectConfig {
  return { file: '/p/functions.yaml', settings: { ...settings, ...s }, functions: new Map(fns.map((f) => [f.name, f])), warnings: [] };
}

function setup(initial: ProjectConfig) {
  const pool = new ContextPool<FakeMember>((fn, t) => new FakeMember(fn, t === 'provisioned-concurrency', 0), 10_000);
  const calls: string[] = [];
  let failPrepare = false;
  const served = new ServedConfig(initial);
  const reloader = new Reloader<FakeMember>(served, {
    pool,
    prepare: async (fns) => {
      calls.push(`prepare ${fns.map((f) => f.name).join(',')}`);
      if (failPrepare) throw new Error('image build failed');
    },
    replenish: async (fns) => void calls.push(`replenish ${fns.map((f) => f.name).join(',')}`),
    applySettings: (s, changed) => void calls.push(`settings ${changed.join(',')} idle=${s.idleTimeout} region=${s.region}`),
  });
  return { pool, served, reloader, calls, failPrepare: () => (failPrepare = true) };
}

describe('Reloader', () => {
  it('serves the new configuration; changed and removed functions are retired, others kept', async () => {
    const { pool, served, reloader, calls } = setup(project([fnConfig('a'), fnConfig('b'), fnConfig('c')]));
    const [a, b, c] = ['a', 'b', 'c'].map((n) => pool.acquire(served.current.functions.get(n)!).ctx);
    a.finish(1);
    b.finish(1);
    c.state = 'busy';
    const diff = await reloader.reload(project([fnConfig('a'), fnConfig('b', { timeout: 10 }), fnConfig('d')]), ['a']);
    expect(diff).toMatchObject({ changed: ['a', 'b'], added: ['d'], removed: ['c'] });
    expect([a.destroyed, b.destroyed, c.destroyed]).toEqual([true, true, false]); // c finishes its invocation
    expect(served.current.functions.get('b')!.timeout).toBe(10);
    expect(calls).toEqual(['prepare d,a,b', 'replenish d,a,b']);
  });

  it('applies live settings and keeps the restart-only ones as they were', async () => {
    const { served, reloader, calls } = setup(project([]));
    const diff = await reloader.reload(project([], { idleTimeout: 5, region: 'eu-west-1' }));
    expect(diff.restartSettings).toEqual(['region']);
    expect(served.current.settings.idleTimeout).toBe(5);
    expect(served.current.settings.region).toBe('us-east-1');
    expect(calls).toContain('settings idleTimeout idle=5 region=us-east-1');
  });

  it('changes nothing when the new functions cannot be prepared', async () => {
    const { pool, served, reloader, failPrepare } = setup(project([fnConfig('a')]));
    const a = pool.acquire(served.current.functions.get('a')!).ctx;
    a.finish(1);
    const before = served.current;
    failPrepare();
    await expect(reloader.reload(project([fnConfig('a', { runtime: 'provided' })]))).rejects.toThrow('image build failed');
    expect(served.current).toBe(before);
    expect(a.destroyed).toBe(false);
    expect(pool.isCurrent(a)).toBe(true);
  });

  it('runs reloads one after the other', async () => {
    const { served, reloader } = setup(project([fnConfig('a')]));
    const first = reloader.reload(project([fnConfig('a', { timeout: 5 })]));
    const second = reloader.reload(project([fnConfig('a', { timeout: 7 })]));
    expect((await first).changed).toEqual(['a']);
    expect((await second).changed).toEqual(['a']);
    expect(served.current.functions.get('a')!.timeout).toBe(7);
  });

  it('replenishes every function when stemContexts changes, else only the new and changed ones', async () => {
    const { reloader, calls } = setup(project([fnConfig('a'), fnConfig('b')], { stemContexts: 1 }));
    await reloader.reload(project([fnConfig('a'), fnConfig('b')], { stemContexts: 2 }));
    await reloader.reload(project([fnConfig('a'), fnConfig('b', { timeout: 9 })], { stemContexts: 2 }));
    expect(calls.filter((c) => c.startsWith('replenish'))).toEqual(['replenish a,b', 'replenish b']);
  });
});
