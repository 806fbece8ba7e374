import { readFileSync, writeFileSync } from 'node:fs';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { cgroupFile } from '../../src/engine/cgroup-reader';
import { containerState, docker, startFixtureOrchestrator } from '../helpers/orchestrator';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

/**
 * Docker's record of a container can lag its engine: under load, a late "resumed" event of one
 * unpause marks the container running after the pause that followed it (seen with Docker 20.10 in
 * the bench, 16 clients with freezeGrace 0). The context's cgroup stays frozen, `docker unpause`
 * answers "is not paused", and the invocation written to the runtime timed out.
 */
describe('a frozen context whose pause Docker has forgotten', () => {
  let orch: StartedOrchestrator;
  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator({ echo: { code: 'echo', memorySize: 128, timeout: 10 } }, { freezeGrace: 0 }));
  }, 180_000);
  afterAll(() => orch?.stop());

  it('is thawed in the kernel and serves the invocation', async () => {
    await orch.invoke('echo', { n: 1 });
    const [ctx] = await orch.contexts();
    const id = ctx.containerId!;
    await waitFor('the context paused', async () => (await containerState(id)).Paused, 30_000, 20);
    // The inconsistent state, made by hand: Docker says running, the kernel holds the cgroup frozen.
    await docker.getContainer(id).unpause();
    const freezer = cgroupFile(id, 'freezer', 'freezer.state', 'cgroup.freeze')!;
    writeFileSync(freezer, freezer.endsWith('cgroup.freeze') ? '1' : 'FROZEN');
    await waitFor('the cgroup frozen', () => ['FROZEN', '1'].includes(readFileSync(freezer, 'utf8').trim()), 30_000, 5);
    expect((await containerState(id)).Paused).toBe(false);

    const second = await orch.invoke('echo', { n: 2 });
    expect(second.functionError).toBeUndefined(); // not Sandbox.Timedout
    expect(second.payload).toMatchObject({ event: { n: 2 }, count: 2 });
    expect(second.contextId).toBe(ctx.id); // the same context, not a replacement
  });
});
