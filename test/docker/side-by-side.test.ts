import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { ensureRuntimeImage } from '../../src/images/images';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { containersOf, containerState, docker, startFixtureOrchestrator } from '../helpers/orchestrator';
import { waitFor } from '../helpers/wait';

/**
 * Two orchestrators in one process at once, as jest workers run test files: each serves
 * its own functions, neither removes the other's containers when it starts or stops, and the
 * cleanup at start still removes what an orchestrator that is really gone left behind.
 */
describe('two orchestrators side by side in one process', () => {
  let a: StartedOrchestrator;
  let b: StartedOrchestrator | undefined;
  const made: string[] = []; // containers this test made itself (the fake leftover)

  beforeAll(async () => {
    ({ orch: a } = await startFixtureOrchestrator({ alpha: { code: 'reuse' } }));
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    for (const id of made)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  /** A created (never started) container labelled as made by an orchestrator whose process is gone. */
  async function leftoverOfADeadOrchestrator(): Promise<string> {
    const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const deadPid = child.pid!;
    const image = await ensureRuntimeImage(docker, 'nodejs20.x', { base: 'host' });
    const c = await docker.createContainer({
      Image: image,
      Labels: {
        'orchestrator.function': 'ghost',
        'orchestrator.instance': `${deadPid}-0badc0de`,
        'orchestrator.owner.host': hostname(),
        'orchestrator.owner.pid': String(deadPid),
        'orchestrator.test': 'side-by-side',
      },
    });
    made.push(c.id);
    return c.id;
  }

  it("starting B leaves A's frozen contexts alone, removes a dead orchestrator's, and A stays warm", async () => {
    const a1 = await a.invoke<{ count: number }>('alpha', {});
    await a.invoke('alpha', {});
    const [aCtx] = await a.contexts();
    expect(aCtx.containerId).toBeTruthy();
    await waitFor("alpha's context paused", async () => (await containerState(aCtx.containerId!)).Paused);
    const ghost = await leftoverOfADeadOrchestrator();

    ({ orch: b } = await startFixtureOrchestrator({ beta: { code: 'reuse' } }));

    expect(b.instance.id).not.toBe(a.instance.id);
    expect(b.url).not.toBe(a.url);
    const aContainers = await containersOf(a.instance.id);
    expect(aContainers.map((c) => c.Id)).toEqual([aCtx.containerId]);
    expect((await containerState(aCtx.containerId!)).Paused).toBe(true);
    await expect(docker.getContainer(ghost).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const a3 = await a.invoke<{ count: number }>('alpha', {});
    expect(a3.coldStart).toBe(false);
    expect(a3.contextId).toBe(a1.contextId);
    expect(a3.payload.count).toBe(3);
  });

  it('each serves its own functions, at the same time', async () => {
    const [ra, rb] = await Promise.all([a.invoke<{ count: number }>('alpha', {}), b!.invoke<{ count: number }>('beta', {})]);
    expect(ra.functionError).toBeUndefined();
    expect(rb.functionError).toBeUndefined();
    expect(ra.payload.count).toBe(4);
    expect(rb.payload.count).toBe(1);

    await expect(a.invoke('beta', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(b!.invoke('alpha', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(a.functions().map((f) => f.name)).toEqual(['alpha']);
    expect(b!.functions().map((f) => f.name)).toEqual(['beta']);

    const listed = async (o: StartedOrchestrator) =>
      ((await (await fetch(`${o.url}/2015-03-31/functions/`)).json()) as { Functions: Array<{ FunctionName: string }> }).Functions.map(
        (f) => f.FunctionName,
      );
    expect(await listed(a)).toEqual(['alpha']);
    expect(await listed(b!)).toEqual(['beta']);

    const [bCtx] = await b!.contexts();
    const bContainers = await containersOf(b!.instance.id);
    expect(bContainers.map((c) => c.Id)).toEqual([bCtx.containerId]);
    expect(bContainers[0].Labels['orchestrator.function']).toBe('beta');
  });

  it("stopping B removes only B's containers; A keeps serving from its warm context", async () => {
    const [aCtx] = await a.contexts();
    const [bCtx] = await b!.contexts();

    await b!.stop();

    expect(await containersOf(b!.instance.id)).toEqual([]);
    await expect(docker.getContainer(bCtx.containerId!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await containersOf(a.instance.id)).map((c) => c.Id)).toEqual([aCtx.containerId]);
    const again = await a.invoke<{ count: number }>('alpha', {});
    expect(again.coldStart).toBe(false);
    expect(again.contextId).toBe(aCtx.id);
    expect(again.payload.count).toBe(5);
  });
});
