import type Docker from 'dockerode';
import { IdleReaper } from '../../src/context/idle-reaper';
import { ContextPool } from '../../src/context/pool';
import { asEngineError, isEngineUnreachable } from '../../src/engine/engine-errors';
import { ContainerJanitor } from '../../src/engine/janitor';
import { ServiceException } from '../../src/errors';
import { FakeClock } from '../helpers/fake-clock';
import { FakeMember, fnConfig } from '../helpers/fake-member';

const flush = () => new Promise((r) => setImmediate(r));

describe('IdleReaper.configure (settings reloaded)', () => {
  it('applies a new idleTimeout and interval to the running sweeps', async () => {
    const clock = new FakeClock();
    const pool = new ContextPool<FakeMember>((fn) => new FakeMember(fn, false, clock.now()), 10_000);
    const reaper = new IdleReaper(pool, clock, { idleTimeoutMs: 600_000, intervalMs: 60_000, onError: () => undefined });
    reaper.start();
    const m = pool.acquire(fnConfig('f')).ctx;
    m.finish(clock.now());
    reaper.configure({ idleTimeoutMs: 2_000, intervalMs: 500 });
    clock.advance(2_000);
    await flush();
    expect(m.destroyed).toBe(false);
    clock.advance(500);
    await flush();
    expect(m.destroyed).toBe(true);
    reaper.stop();
  });
});

describe('engine errors', () => {
  it('tells an unreachable engine from an engine that answered', () => {
    expect(isEngineUnreachable(Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT' }))).toBe(true);
    expect(isEngineUnreachable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isEngineUnreachable(new Error('socket hang up'))).toBe(true);
    expect(isEngineUnreachable(Object.assign(new Error('(HTTP code 409) container is not paused'), { statusCode: 409 }))).toBe(false);
    expect(isEngineUnreachable(new Error('other'))).toBe(false);
  });

  it('names the endpoint of the client in use', () => {
    const e = asEngineError(
      { modem: { socketPath: '/tmp/p/docker.sock' } } as unknown as Docker,
      Object.assign(new Error('connect ENOENT /tmp/p/docker.sock'), { code: 'ENOENT' }),
    );
    expect(e).toBeInstanceOf(ServiceException);
    expect((e as ServiceException).message).toBe(
      'Docker engine unreachable at unix:///tmp/p/docker.sock: connect ENOENT /tmp/p/docker.sock',
    );
    const other = new Error('boom');
    expect(asEngineError({ modem: {} } as unknown as Docker, other)).toBe(other);
  });
});

/** A Docker client double: containers by id, removal failing while `down`. */
function fakeDocker() {
  const state = { down: true, containers: new Map<string, string>(), removed: [] as string[], lists: 0 };
  const docker = {
    listContainers: async (opts: { filters: { label: string[] } }) => {
      state.lists++;
      if (state.down) throw Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' });
      const [label] = opts.filters.label;
      return [...state.containers].filter(([, l]) => l === label).map(([Id]) => ({ Id }));
    },
    getContainer: (id: string) => ({
      remove: async () => {
        if (state.down) throw Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' });
        if (!state.containers.delete(id)) throw Object.assign(new Error('no such container'), { statusCode: 404 });
        state.removed.push(id);
      },
    }),
  };
  return { docker: docker as unknown as Docker, state };
}

describe('ContainerJanitor', () => {
  it('retries a failed removal until the engine answers; a container already gone counts as removed', async () => {
    const { docker, state } = fakeDocker();
    state.containers.set('a', 'orchestrator.instance=me');
    const janitor = new ContainerJanitor(docker, 'me');
    janitor.later('a');
    janitor.later('gone');
    await janitor.retry();
    expect(janitor.pendingIds.sort()).toEqual(['a', 'gone']);
    state.down = false;
    await janitor.retry();
    expect(janitor.pendingIds).toEqual([]);
    expect(state.removed).toEqual(['a']);
  });

  it('makes no Docker call when nothing is pending; sweep removes only this instance’s containers', async () => {
    const { docker, state } = fakeDocker();
    state.down = false;
    state.containers.set('mine', 'orchestrator.instance=me');
    state.containers.set('theirs', 'orchestrator.instance=someone-else');
    const janitor = new ContainerJanitor(docker, 'me');
    await janitor.retry();
    expect(state.lists).toBe(0);
    expect(await janitor.sweep()).toEqual(['mine']);
    expect([...state.containers.keys()]).toEqual(['theirs']);
  });
});
