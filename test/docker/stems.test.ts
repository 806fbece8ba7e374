import type { StartedOrchestrator } from '../../src/orchestrator';
import { containersOf, containerState, docker, startFixtureOrchestrator } from '../helpers/orchestrator';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

type Probe = { calls: number; loadedAt: number; env: string[]; initType: string; tmp: string[]; writeTask: string; memoryLimit: number };

/**
 * A stem (a context booted ahead of demand, frozen, claimed by a cold start; stemContexts in
 * docs/settings.md) behaves exactly as a fresh context does, and stems leave nothing behind.
 */
describe('stem contexts', () => {
  let withStems: StartedOrchestrator;
  let without: StartedOrchestrator;
  const fns = { probe: { code: 'stem-probe', memorySize: 256, environment: { CUSTOM: 'yes' } } };

  beforeAll(async () => {
    [{ orch: withStems }, { orch: without }] = await Promise.all([
      startFixtureOrchestrator(fns, { stemContexts: 1 }),
      startFixtureOrchestrator(fns, { stemContexts: 0 }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([withStems?.stop(), without?.stop()]);
  });

  it('is ready, frozen, at start: a booted runtime with nothing of the function loaded', async () => {
    const [stem] = await withStems.contexts();
    expect(stem).toMatchObject({ function: 'probe', state: 'stem', invocations: 0 });
    await waitFor('the stem to be paused', async () => (await containerState(stem.containerId!)).Paused);
    const info = await docker.getContainer(stem.containerId!).inspect();
    expect(info.Config.Labels).toMatchObject({ 'orchestrator.function': 'probe', 'orchestrator.instance': withStems.instance.id });
  });

  it('a cold start on a claimed stem sees what a fresh context sees: environment, /tmp, code, memory', async () => {
    const [stem] = await withStems.contexts();
    const claimed = await withStems.invoke<Probe>('probe', {});
    const fresh = await without.invoke<Probe>('probe', {});
    expect(claimed.contextId).toBe(stem.id);
    expect(claimed.coldStart).toBe(true);
    expect(claimed.initDurationMs).toBeGreaterThan(0);
    expect(claimed.logTail).toMatch(/\tInit Duration: [\d.]+ ms/);
    expect(claimed.payload.calls).toBe(1); // its globals are fresh: the module was loaded by this cold start
    expect(claimed.payload.loadedAt).toBeGreaterThan(Date.now() - 60_000);
    const { loadedAt: _a, ...sameA } = claimed.payload;
    const { loadedAt: _b, ...sameB } = fresh.payload;
    expect(sameA).toEqual(sameB); // same variable names (no trace of the stem), /tmp, read-only code, memory limit
    expect(sameA).toMatchObject({ initType: 'on-demand', tmp: [], writeTask: 'EROFS', memoryLimit: 256 * 1024 * 1024 });
  });

  it('is replaced by a new stem once claimed', async () => {
    await waitFor('a new stem', async () => (await withStems.contexts()).some((c) => c.state === 'stem'), 60_000);
    const rows = await withStems.contexts();
    expect(rows.filter((c) => c.state === 'stem')).toHaveLength(1);
    expect(rows.filter((c) => c.state !== 'stem')).toHaveLength(1);
  });

  it('leaves nothing behind on stop', async () => {
    const { orch } = await startFixtureOrchestrator(fns, { stemContexts: 2 });
    expect((await orch.contexts()).filter((c) => c.state === 'stem')).toHaveLength(2);
    await orch.stop();
    expect(await containersOf(orch.instance.id)).toHaveLength(0);
  });
});
