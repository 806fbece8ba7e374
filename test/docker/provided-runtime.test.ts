import type { StartedOrchestrator } from '../../src/orchestrator';
import { containerState, docker, startFixtureOrchestrator, type CapturedLogs } from '../helpers/orchestrator';
import { waitFor } from '../helpers/wait';

/**
 * The `provided` runtime (docs/functions-yaml.md): the function's own executable `bootstrap` is the runtime. Here it
 * is a #!/bin/sh script driving the Runtime API with curl, which the host-built base image holds.
 */
describe('the provided runtime: a sh + curl bootstrap', () => {
  let orch: StartedOrchestrator;
  let logs: CapturedLogs;

  beforeAll(async () => {
    ({ orch, logs } = await startFixtureOrchestrator({
      shell: { code: 'provided-sh-curl', runtime: 'provided', handler: 'function.handler' },
    }));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  it('runs on the host-built base image, which has /bin/sh and curl', async () => {
    expect(orch.config.settings.baseImages.provided).toBe('host');
    const r = await orch.invoke('shell', { hello: 'sh' });
    expect(r.functionError).toBeUndefined();
    expect(r.coldStart).toBe(true);
    const p = r.payload as { event: unknown; count: number; sh: string; curl: string; function: string };
    expect(p.event).toEqual({ hello: 'sh' });
    expect(p.count).toBe(1);
    expect(p.function).toBe('shell');
    expect(p.sh).toBe('/bin/sh');
    expect(p.curl).toMatch(/\/curl$/);

    const [ctx] = await orch.contexts();
    const info = await docker.getContainer(ctx.containerId!).inspect();
    expect(info.Path).toBe('/var/task/bootstrap');
    expect(info.Config.Image).toMatch(/^lambda-orchestrator\/provided:/);
    const env = Object.fromEntries(info.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^[\w.-]+:\d+$/);
    expect(env._HANDLER).toBe('function.handler');
    expect(env.AWS_EXECUTION_ENV).toBe('AWS_Lambda_provided');
  });

  it("stays warm and frozen between calls; its own lines are in the invocation's log", async () => {
    const r = await orch.invoke('shell', { n: 2 });
    expect(r.coldStart).toBe(false);
    expect((r.payload as { count: number }).count).toBeGreaterThanOrEqual(2);
    expect(r.logTail).toMatch(
      new RegExp(
        `^START RequestId: ${r.requestId} Version: \\$LATEST\\nhandling ${r.requestId}: \\{"n":2\\}\\nEND RequestId: ${r.requestId}\\nREPORT RequestId: ${r.requestId}\\t`,
      ),
    );
    const [ctx] = await orch.contexts();
    // Paused right after the response; how soon depends on the engine (bench measures it).
    await waitFor('the context to be paused', async () => (await containerState(ctx.containerId!)).Paused);
  });

  it('the init output goes with the cold start', () => {
    const init = logs.lines.findIndex((l) => /^shell \| bootstrap init: handler function\.handler, curl at \/.*curl$/.test(l));
    const firstStart = logs.lines.findIndex((l) => l.startsWith('shell | START RequestId: '));
    expect(init).toBeGreaterThanOrEqual(0);
    expect(init).toBeLessThan(firstStart);
  });

  it('an error posted to /invocation/{id}/error is a function error; the context serves on', async () => {
    const failed = await orch.invoke('shell', { please: 'fail' });
    expect(failed.functionError).toEqual({ errorType: 'Custom.ShellError', errorMessage: 'asked to fail' });
    const after = await orch.invoke('shell', { ok: true });
    expect(after.functionError).toBeUndefined();
    expect(after.contextId).toBe(failed.contextId);
  });

  it('answers through the Invoke API too', async () => {
    const res = await fetch(`${orch.url}/2015-03-31/functions/shell/invocations`, { method: 'POST', body: '{"via":"http"}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBeNull();
    expect(((await res.json()) as { event: unknown }).event).toEqual({ via: 'http' });
  });
});
