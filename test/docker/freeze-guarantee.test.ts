import { spawn, type ChildProcess } from 'node:child_process';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { startFixtureOrchestrator } from '../helpers/orchestrator';
import { sleep } from '../helpers/wait';

jest.setTimeout(120_000);

type Probe = { seen: Array<{ what: string; afterHandOver: boolean }> | null };
const ALL = ['file callback', 'promise 1', 'promise 2', 'timeout 0', 'timeout 1', 'timeout 10', 'timeout 50'];
const TIMEOUT_MS = 10_000;

/**
 * The freeze (docs/execution-context.md): from the response until the next event none of the function's JavaScript runs, however
 * long `docker pause` takes: checked at 128 MB (the smallest CPU share) with both cores kept busy.
 */
describe('the Node.js freeze: nothing of the function runs between its response and the next event', () => {
  let orch: StartedOrchestrator;
  let hogs: ChildProcess[] = [];

  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator(
      { probe: { code: 'freeze-probe', memorySize: 128, timeout: TIMEOUT_MS / 1000 } },
      { stemContexts: 1 }, // the defaults: the cold call runs on a claimed stem
    ));
    hogs = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
  }, 180_000);

  afterAll(async () => {
    for (const h of hogs) h.kill('SIGKILL');
    await orch?.stop();
  });

  it.each([
    ['a cold call', true],
    ['a warm call', false],
  ])('callbacks armed in %s run only after the thaw', async (_label, cold) => {
    const armer = await orch.invoke<Probe>('probe', { arm: true, timeoutMs: TIMEOUT_MS });
    expect(armer.coldStart).toBe(cold);
    // Time enough for any of them to run, were the context not frozen from the response on.
    await sleep(500);
    const next = await orch.invoke<Probe>('probe', { check: true, timeoutMs: TIMEOUT_MS });
    expect(next.contextId).toBe(armer.contextId);
    expect(next.payload.seen).toEqual(ALL.map((what) => ({ what, afterHandOver: true })));
  });
});
