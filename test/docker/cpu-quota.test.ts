import type { StartedOrchestrator } from '../../src/orchestrator';
import { docker, startFixtureOrchestrator } from '../helpers/orchestrator';

jest.setTimeout(120_000);

type Burn = { ms: number };

/**
 * Issue 9 / CONTRACT section 4: the init runs without the CPU quota (as Lambda's init runs faster
 * than handler code), and the function's quota applies from the first invocation on.
 */
describe('CPU: a full-speed init, the quota from the first invocation', () => {
  let orch: StartedOrchestrator;
  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator({
      burn: { code: 'cpu-burn', memorySize: 128, timeout: 60 },
      huge: { code: 'cpu-burn', memorySize: 10240, timeout: 60 },
    }, { stemContexts: 1 })); // the defaults: the cold call's init runs on a claimed stem
  }, 180_000);
  afterAll(() => orch?.stop());

  it('a CPU-bound handler takes as long on its cold call as on a warm one', async () => {
    const cold = await orch.invoke<Burn>('burn', { iterations: 2e6 });
    const warm = await orch.invoke<Burn>('burn', { iterations: 2e6 });
    expect(cold.coldStart).toBe(true);
    expect(warm.contextId).toBe(cold.contextId);
    // Unthrottled, the cold call would take about 1/14 of the warm one (128 MB = 0.072 CPU).
    expect(cold.payload.ms).toBeGreaterThan(warm.payload.ms / 3);
    const info = await docker.getContainer((await orch.contexts())[0].containerId!).inspect();
    expect(info.HostConfig.NanoCpus).toBe(Math.round((128 / 1769) * 1e9));
  });

  it('caps the quota at the engine\'s CPUs: 10240 MB works on a small host', async () => {
    const r = await orch.invoke<Burn>('huge', { iterations: 1e5 });
    expect(r.functionError).toBeUndefined();
    const ctx = (await orch.contexts()).find((c) => c.function === 'huge')!;
    const info = await docker.getContainer(ctx.containerId!).inspect();
    const cpus = ((await docker.info()) as { NCPU: number }).NCPU;
    expect(info.HostConfig.NanoCpus).toBe(Math.round(Math.min(10240 / 1769, cpus) * 1e9));
  });
});
