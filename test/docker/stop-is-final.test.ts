import { OrchestratorStoppedError, type StartedOrchestrator } from '../../src/orchestrator';
import { containersOf, startFixtureOrchestrator } from '../helpers/orchestrator';
import { sleep } from '../helpers/wait';

jest.setTimeout(120_000);

/** After stop() nothing can start a context, and nothing it made is left. */
describe('stop is final', () => {
  it('invoke() after stop() rejects with a clear error and creates no container', async () => {
    const { orch } = await startFixtureOrchestrator({ echo: { code: 'echo' } });
    expect((await orch.invoke('echo', { n: 1 })).functionError).toBeUndefined();
    const stopped = await orch.stop();
    expect(stopped.instance.id).toBe(orch.instance.id);
    expect(await orch.stop()).toBe(stopped); // idempotent

    await expect(orch.invoke('echo', {})).rejects.toBeInstanceOf(OrchestratorStoppedError);
    await expect(orch.invoke('echo', {})).rejects.toThrow(/is stopped/);
    expect(await containersOf(orch.instance.id)).toHaveLength(0);
  });

  it('a context still being created when stop() begins is removed too', async () => {
    const { orch } = await startFixtureOrchestrator({ echo: { code: 'echo' } });
    const inFlight = orch.invoke('echo', {}).then(
      (r) => ({ ok: true, error: r.functionError?.errorType }),
      (err: Error) => ({ ok: false, error: err.message }),
    );
    await sleep(20); // the container is being created or starting
    await orch.stop();
    await inFlight; // settles, one way or the other
    expect(await containersOf(orch.instance.id)).toHaveLength(0);
  });
});

describe('stop while serving', () => {
  let orch: StartedOrchestrator;
  afterAll(() => orch?.stop());

  it('the Invoke API is closed: a client gets a refused connection, not a new context', async () => {
    ({ orch } = await startFixtureOrchestrator({ echo: { code: 'echo' } }));
    const url = orch.url;
    await orch.stop();
    await expect(fetch(`${url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect(await containersOf(orch.instance.id)).toHaveLength(0);
  });
});
