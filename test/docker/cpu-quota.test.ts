import { readFileSync } from 'node:fs';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { docker, startFixtureOrchestrator } from '../helpers/orchestrator';
import { cgroupFile } from '../../src/engine/cgroup-reader';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

type Burn = { ms: number };

/**
 * The init runs without the CPU quota (as Lambda's init runs faster
 * than handler code), and the function's quota applies from the first invocation on (docs/execution-context.md, limits).
 */
describe('CPU: a full-speed init, the quota from the first invocation', () => {
  let orch: StartedOrchestrator;
  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator(
      {
        burn: { code: 'cpu-burn', memorySize: 128, timeout: 60 },
        huge: { code: 'cpu-burn', memorySize: 10240, timeout: 60 },
      },
      { stemContexts: 1 },
    )); // the defaults: the cold call's init runs on a claimed stem
  }, 180_000);
  afterAll(() => orch?.stop());

  it('a CPU-bound handler takes as long on its cold call as on a warm one', async () => {
    const cold = await orch.invoke<Burn>('burn', { iterations: 2e6 });
    const warm = await orch.invoke<Burn>('burn', { iterations: 2e6 });
    expect(cold.coldStart).toBe(true);
    expect(warm.contextId).toBe(cold.contextId);
    // Unthrottled, the cold call would take about 1/14 of the warm one (128 MB = 0.072 CPU).
    expect(cold.payload.ms).toBeGreaterThan(warm.payload.ms / 3);
    const id = (await orch.contexts())[0].containerId!;
    const nano = Math.round((128 / 1769) * 1e9);
    // The kernel's quota, written to the cgroup on the cold path, is Docker's for that NanoCpus ...
    const quotaFile = cgroupFile(id, 'cpu', 'cpu.cfs_quota_us', 'cpu.max');
    expect(quotaFile).toBeDefined(); // the engine of the tests is local
    expect(readFileSync(quotaFile!, 'utf8').trim().split(' ')[0]).toBe(String(Math.floor((nano * 100_000) / 1e9)));
    // ... and Docker's record follows it.
    expect(await nanoCpusOf(id)).toBe(nano);
  });

  it("caps the quota at the engine's CPUs: 10240 MB works on a small host", async () => {
    const r = await orch.invoke<Burn>('huge', { iterations: 1e5 });
    expect(r.functionError).toBeUndefined();
    const ctx = (await orch.contexts()).find((c) => c.function === 'huge')!;
    const cpus = ((await docker.info()) as { NCPU: number }).NCPU;
    expect(await nanoCpusOf(ctx.containerId!)).toBe(Math.round(Math.min(10240 / 1769, cpus) * 1e9));
  });
});

/** Docker's NanoCpus of a container, once its (background) `docker update` has landed. */
async function nanoCpusOf(id: string): Promise<number> {
  const nano = async () => (await docker.getContainer(id).inspect()).HostConfig.NanoCpus ?? 0;
  await waitFor("Docker's record of the quota", async () => (await nano()) > 0, 30_000, 100);
  return nano();
}
