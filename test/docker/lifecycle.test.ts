import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import execa from 'execa';
import { startOrchestrator, type StartedOrchestrator } from '../../src/orchestrator';
import { DockerSocketProxy } from '../helpers/docker-proxy';
import { containerExists as exists, containersOf, containerState, FIXTURES, startFixtureOrchestrator } from '../helpers/orchestrator';
import { httpInvoke } from '../helpers/pool-load';
import { buildDist, freePort } from '../helpers/cli';
import { containersOfPid, UpChild } from '../helpers/up-child';
import { waitFor } from '../helpers/wait';

/**
 * Nothing leaks, whatever happens (docs/lifecycle.md): a SIGKILLed `up` is cleaned up by the next one,
 * SIGTERM leaves nothing, contexts removed or killed behind the orchestrator's back are replaced,
 * a failing pause or unpause discards the context, and an unreachable engine answers 500 and is
 * recovered from.
 */
jest.setTimeout(120_000);

type Echo = { id: string | null; count: number; host: string };

describe('orchestrator up: SIGKILL, restart, SIGTERM', () => {
  let tmp: string;
  let file: string;
  const children: UpChild[] = [];

  beforeAll(async () => {
    await buildDist();
    tmp = await fsp.mkdtemp(join(tmpdir(), 'orchestrator-lifecycle-'));
    file = join(tmp, 'functions.yaml');
    await fsp.writeFile(
      file,
      [
        'functions:',
        '  echo:',
        '    handler: index.handler',
        `    code: ${join(FIXTURES, 'pool-echo')}`,
        '    timeout: 10',
        '  warm:',
        '    handler: index.handler',
        `    code: ${join(FIXTURES, 'pool-echo')}`,
        '    provisionedConcurrency: 1',
        '',
      ].join('\n'),
    );
  }, 180_000);

  afterAll(async () => {
    for (const c of children) await c.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  const up = async () => {
    const child = new UpChild(['-f', file, '--port', String(await freePort())]);
    children.push(child);
    return { child, url: await child.serving() };
  };

  it('a SIGKILLed up leaves paused containers; the next up removes them before serving; SIGTERM exits 0 leaving none', async () => {
    const first = await up();
    const calls = await Promise.all([0, 1].map((i) => httpInvoke(first.url, 'echo', { id: `k${i}`, sleepMs: 500 })));
    expect(calls.map((r) => r.status)).toEqual([200, 200]);
    // 2 on demand + 1 provisioned + the stems booted ahead of demand (settings.stemContexts), all frozen.
    // The containers seen paused together (a stem replaced meanwhile may come later, still booting).
    let left: string[] = [];
    await waitFor('every container paused, at least 3', async () => {
      const list = await containersOfPid(first.child.pid);
      left = list.map((c) => c.Id);
      return list.length >= 3 && (await Promise.all(list.map((c) => containerState(c.Id)))).every((s) => s.Paused);
    });
    expect(left.length).toBeGreaterThanOrEqual(3);

    const killed = await first.child.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    for (const id of left) expect((await containerState(id)).Paused).toBe(true); // nobody cleaned up

    const second = await up();
    expect(second.child.stderr).toMatch(/removed \d+ container\(s\) left by orchestrators that are gone/);
    for (const id of left) expect(await exists(id)).toBe(false);
    const r = await httpInvoke(second.url, 'echo', { id: 'after-restart' });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe('after-restart');
    // The provisioned one + this one, and the stems booted ahead of demand.
    expect((await containersOfPid(second.child.pid)).length).toBeGreaterThanOrEqual(2);

    // Its own time is a second or two; the bound is for a starved engine (a stem still being created is awaited).
    const stopped = await second.child.stop(60_000);
    expect({ ...stopped, stderr: stopped.code === 0 ? '' : second.child.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(await containersOfPid(second.child.pid)).toHaveLength(0);
    expect(second.child.stderr).toMatch(/SIGTERM: removing contexts/);
  });
});

describe('contexts that fail behind the orchestrator’s back', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator({ f: { code: 'pool-echo' } }));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  async function frozenContext(): Promise<{ contextId: string; containerId: string }> {
    const r = await orch.invoke<Echo>('f', {});
    const row = (await orch.contexts()).find((c) => c.id === r.contextId)!;
    await waitFor('paused', async () => (await containerState(row.containerId!)).Paused, 2000, 10);
    return { contextId: r.contextId, containerId: row.containerId! };
  }

  it('docker rm -f of a frozen context, then an invocation: served by a fresh context, as a cold start', async () => {
    const old = await frozenContext();
    await execa('docker', ['rm', '-f', old.containerId]);
    const r = await orch.invoke<Echo>('f', { id: 'after-rm' }); // at once: noticed on this use at the latest
    expect(r.functionError).toBeUndefined();
    expect(r.payload.id).toBe('after-rm');
    expect(r.coldStart).toBe(true);
    expect(r.contextId).not.toBe(old.contextId);
    expect((await orch.contexts()).map((c) => c.id)).toEqual([r.contextId]);
  });

  it('docker kill of a frozen context, then an invocation: served by a fresh context, as a cold start', async () => {
    const old = await frozenContext();
    await execa('docker', ['kill', old.containerId]);
    const r = await orch.invoke<Echo>('f', { id: 'after-kill' });
    expect(r.payload.id).toBe('after-kill');
    expect(r.coldStart).toBe(true);
    expect(r.contextId).not.toBe(old.contextId);
    await waitFor('the killed container removed', async () => !(await exists(old.containerId)));
    expect((await containersOf(orch.instance.id)).length).toBe((await orch.contexts()).length);
  });

  it('a context unpaused behind our back (the engine answers our unpause "not paused") is running: it serves, warm, and is frozen again', async () => {
    const old = await frozenContext();
    await execa('docker', ['unpause', old.containerId]);
    const r = await orch.invoke<Echo>('f', { id: 'after-unpause' });
    expect(r.payload.id).toBe('after-unpause');
    expect(r.coldStart).toBe(false);
    expect(r.contextId).toBe(old.contextId);
    await waitFor('frozen again', async () => (await containerState(old.containerId)).Paused);
  });
});

/** A client of the real engine whose containers of `fn` fail every pause. */
function dockerFailingPausesOf(fn: string): Docker {
  const d = new Docker();
  const create = d.createContainer.bind(d) as (o: Docker.ContainerCreateOptions) => Promise<Docker.Container>;
  (d as unknown as { createContainer: typeof create }).createContainer = async (opts) => {
    const c = await create(opts);
    if (opts.Labels?.['orchestrator.function'] === fn) {
      c.pause = (() => Promise.reject(Object.assign(new Error('injected: pause failed'), { statusCode: 500 }))) as typeof c.pause;
    }
    return c;
  };
  return d;
}

describe('a context whose pause fails', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    orch = await startOrchestrator({
      config: {
        functions: { nofreeze: { code: 'pool-echo', handler: 'index.handler' }, ok: { code: 'pool-echo', handler: 'index.handler' } },
      },
      baseDir: FIXTURES,
      docker: dockerFailingPausesOf('nofreeze'),
    });
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  it('is discarded after answering: the next call is a cold start in a new container', async () => {
    const first = await orch.invoke<Echo>('nofreeze', { id: 'one' });
    expect(first.payload.id).toBe('one');
    const firstContainer = first.payload.host;
    await waitFor('the unfreezable context discarded', async () => (await orch.contexts()).every((c) => c.function !== 'nofreeze'));
    const second = await orch.invoke<Echo>('nofreeze', { id: 'two' });
    expect(second.coldStart).toBe(true);
    expect(second.payload.host).not.toBe(firstContainer);
    // Functions whose pause works keep their warm context.
    const a = await orch.invoke('ok', {});
    const b = await orch.invoke('ok', {});
    expect([a.coldStart, b.coldStart]).toEqual([true, false]);
  });
});

describe('the Docker engine unreachable', () => {
  const proxy = new DockerSocketProxy();
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    await proxy.up();
    orch = await startOrchestrator({
      config: { settings: { stemContexts: 0 }, functions: { f: { code: 'pool-echo', handler: 'index.handler' } } },
      baseDir: FIXTURES,
      docker: new Docker({ socketPath: proxy.socketPath }),
    });
  }, 180_000);

  afterAll(async () => {
    await proxy.up(); // whatever happened, let it clean up
    await orch?.stop();
    await proxy.dispose();
  });

  it('answers 500 ServiceException with a clear message while it is away, and recovers by itself when it is back', async () => {
    const before = await httpInvoke(orch.url, 'f', { id: 'before' });
    expect(before.status).toBe(200);
    const oldContainer = (await orch.contexts())[0].containerId!;
    // Frozen (past the freeze grace) before the engine goes: the next call needs it to thaw.
    await waitFor('the context to be paused', async () => (await containerState(oldContainer)).Paused);

    await proxy.down();
    for (const id of ['away-1', 'away-2']) {
      const r = await httpInvoke(orch.url, 'f', { id });
      expect(r.status).toBe(500);
      expect(r.errorType).toBe('ServiceException');
      expect(r.body.Type).toBe('Service');
      expect(r.body.message).toMatch(
        new RegExp(`^Docker engine unreachable at unix://${proxy.socketPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
      );
    }
    process.stdout.write(`while the engine is away: ${(await httpInvoke(orch.url, 'f', {})).body.message}\n`);

    await proxy.up();
    const after = await httpInvoke(orch.url, 'f', { id: 'after' });
    expect(after.status).toBe(200);
    expect(after.body.id).toBe('after');
    const warm = await orch.invoke('f', {});
    expect(warm.coldStart).toBe(false);
    // The container of the context lost while the engine was away is removed once it is back.
    await waitFor('the container left while the engine was away removed', async () => !(await exists(oldContainer)), 10_000, 100);
    expect((await containersOf(orch.instance.id)).map((c) => c.Id)).toEqual((await orch.contexts()).map((c) => c.containerId));
  });
});
