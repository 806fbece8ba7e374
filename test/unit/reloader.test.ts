import type { FunctionConfig, ProjectConfig, Settings } from '../../src/config/types';
import { ContextPool } from '../../src/context/pool';
import { Reloader } from '../../src/reload/reloader';
import { FakeMember, fnConfig } from '../helpers/fake-member';

const settings = { idleTimeout: 600, reaperInterval: null, memoryBudget: null, region: 'us-east-1' } as unknown as Settings;

function project(fns: FunctionConfig[], s: Partial<Settings> = {}): ProjectConfig {
  return { file: '/p/functions.yaml', settings: { ...settings, ...s }, functions: new Map(fns.map((f) => [f.name, f])), warnings: [] };
}

function setup(initial: ProjectConfig) {
  const pool = new ContextPool<FakeMember>((fn, t) => new FakeMember(fn, t === 'provisioned-concurrency', 0), 10_000);
  const calls: string[] = [];
  let failPrepare = false;
  const reloader = new Reloader<FakeMember>(initial, {
    pool,
    prepare: async (fns) => {
      calls.push(`prepare ${fns.map((f) => f.name).join(',')}`);
      if (failPrepare) throw new Error('image build failed');
    },
    provision: async (fns) => void calls.push(`provision ${fns.map((f) => f.name).join(',')}`),
    applySettings: (s, changed) => void calls.push(`settings ${changed.join(',')} idle=${s.idleTimeout} region=${s.region}`),
  });
  return { pool, reloader, calls, failPrepare: () => (failPrepare = true) };
}

describe('Reloader', () => {
  it('serves the new configuration; changed and removed functions are retired, others kept', async () => {
    const { pool, reloader, calls } = setup(project([fnConfig('a'), fnConfig('b'), fnConfig('c')]));
    const [a, b, c] = ['a', 'b', 'c'].map((n) => pool.acquire(reloader.current.functions.get(n)!).ctx);
    a.finish(1);
    b.finish(1);
    c.state = 'busy';
    const diff = await reloader.reload(project([fnConfig('a'), fnConfig('b', { timeout: 10 }), fnConfig('d')]), ['a']);
    expect(diff).toMatchObject({ changed: ['a', 'b'], added: ['d'], removed: ['c'] });
    expect([a.destroyed, b.destroyed, c.destroyed]).toEqual([true, true, false]); // c finishes its invocation
    expect(reloader.current.functions.get('b')!.timeout).toBe(10);
    expect(calls).toEqual(['prepare d,a,b', 'provision d,a,b']);
  });

  it('applies live settings and keeps the restart-only ones as they were', async () => {
    const { reloader, calls } = setup(project([]));
    const diff = await reloader.reload(project([], { idleTimeout: 5, region: 'eu-west-1' }));
    expect(diff.restartSettings).toEqual(['region']);
    expect(reloader.current.settings.idleTimeout).toBe(5);
    expect(reloader.current.settings.region).toBe('us-east-1');
    expect(calls).toContain('settings idleTimeout idle=5 region=us-east-1');
  });

  it('changes nothing when the new functions cannot be prepared', async () => {
    const { pool, reloader, failPrepare } = setup(project([fnConfig('a')]));
    const a = pool.acquire(reloader.current.functions.get('a')!).ctx;
    a.finish(1);
    const before = reloader.current;
    failPrepare();
    await expect(reloader.reload(project([fnConfig('a', { runtime: 'provided' })]))).rejects.toThrow('image build failed');
    expect(reloader.current).toBe(before);
    expect(a.destroyed).toBe(false);
    expect(pool.isCurrent(a)).toBe(true);
  });

  it('runs reloads one after the other', async () => {
    const { reloader } = setup(project([fnConfig('a')]));
    const first = reloader.reload(project([fnConfig('a', { timeout: 5 })]));
    const second = reloader.reload(project([fnConfig('a', { timeout: 7 })]));
    expect((await first).changed).toEqual(['a']);
    expect((await second).changed).toEqual(['a']);
    expect(reloader.current.functions.get('a')!.timeout).toBe(7);
  });
});
