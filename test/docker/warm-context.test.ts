import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { containersOf, containerState, docker, servingContexts, startFixtureOrchestrator } from '../helpers/orchestrator';
import { sleep, waitFor } from '../helpers/wait';
import { lambdaClient } from '../helpers/sdk';

/** One warm context (docs/execution-context.md), frozen between calls, reused with its globals and /tmp. */
describe('a warm execution context, frozen between invocations', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator(
      {
        reuse: { code: 'reuse' },
        timer: { code: 'timer' },
        isolation: { code: 'isolation', environment: { CUSTOM: 'yes' } },
      },
      { stemContexts: 1 },
    )); // the defaults: stems on, the freeze grace
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  it('serves three sequential invocations from one container: globals and /tmp survive', async () => {
    const r1 = await orch.invoke('reuse', { mark: 'from-the-first' });
    const r2 = await orch.invoke('reuse', {});
    const r3 = await orch.invoke('reuse', {});
    expect([r1, r2, r3].map((r) => (r.payload as { count: number }).count)).toEqual([1, 2, 3]);
    expect((r3.payload as { tmp: string }).tmp).toBe('from-the-first');
    expect(new Set([r1.contextId, r2.contextId, r3.contextId]).size).toBe(1);
    expect([r1.coldStart, r2.coldStart, r3.coldStart]).toEqual([true, false, false]);
    expect(r1.initDurationMs).toBeGreaterThan(0);
    const ctx = await servingContexts(orch, 'reuse');
    expect(ctx).toHaveLength(1);
    await waitFor('every context to have its container', async () => (await orch.contexts()).every((c) => c.containerId));
    expect(await containersOf(orch.instance.id)).toHaveLength(new Set((await orch.contexts()).map((c) => c.containerId)).size);
  });

  it('is paused between invocations and running during one', async () => {
    await orch.invoke('reuse', {});
    const [ctx] = await servingContexts(orch, 'reuse');
    // Paused once the freeze grace is over (how soon after the response: npm run bench).
    await waitFor('the context to be paused', async () => (await containerState(ctx.containerId!)).Paused);
    const inflight = orch.invoke('reuse', { sleepMs: 1500 });
    await sleep(700);
    const during = await containerState(ctx.containerId!);
    expect(during.Paused).toBe(false);
    expect(during.Running).toBe(true);
    await inflight;
    await waitFor('the context to be paused again', async () => (await containerState(ctx.containerId!)).Paused);
  });

  it("after idling, gets its event ahead of the thaw (thawAhead): served warm, Duration the handler's own", async () => {
    await orch.invoke('reuse', {});
    const [ctx] = await servingContexts(orch, 'reuse');
    await waitFor('the context to be paused', async () => (await containerState(ctx.containerId!)).Paused);
    const started = performance.now();
    const r = await orch.invoke('reuse', { sleepMs: 300 });
    const wallMs = performance.now() - started;
    expect(r.coldStart).toBe(false);
    expect(r.contextId).toBe(ctx.id);
    // The runtime's own clock: the whole sleep, none of the unpause before it.
    expect(r.durationMs).toBeGreaterThanOrEqual(300);
    expect(r.durationMs).toBeLessThan(wallMs);
    await waitFor('the context to be paused again', async () => (await containerState(ctx.containerId!)).Paused);
  });

  it('does not run a pending timer while frozen; it runs after the thaw', async () => {
    // Warm the context first: a cold start spends the 128 MB function's CPU quota (0.072 CPU), and a
    // throttled runtime could be held past the 50 ms before it even asks to be frozen.
    await orch.invoke('timer', {});
    await sleep(300);
    const armed = (await orch.invoke('timer', { arm: true })).payload as { returnedAt: number };
    await sleep(1500);
    const later = (await orch.invoke('timer', {})).payload as { firedAt: number; now: number };
    expect(later.firedAt).not.toBeNull();
    // Had it run while "frozen", it would have fired ~50 ms after the return, not after the 1.5 s wait.
    expect(later.firedAt - armed.returnedAt).toBeGreaterThanOrEqual(1400);
  });

  it('has the memory limit without swap, a 512 MB tmpfs /tmp and a read-only root', async () => {
    const r = await orch.invoke('isolation', {});
    const [ctx] = await servingContexts(orch, 'isolation');
    const info = await docker.getContainer(ctx.containerId!).inspect();
    expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(128 * 1024 * 1024);
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.Tmpfs?.['/tmp']).toMatch(/size=512m/);
    expect(info.Config.Labels['orchestrator.function']).toBe('isolation');
    expect(info.Config.Labels['orchestrator.instance']).toBe(orch.instance.id);
    const p = r.payload as Record<string, unknown> & { env: Record<string, string> };
    expect(p.tmpSizeMb).toBeGreaterThanOrEqual(500);
    expect(p.tmpSizeMb).toBeLessThanOrEqual(512);
    expect(p.writeRoot).toBe('EROFS');
    expect(p.writeTask).toBe('EROFS');
    expect(p.writeTmp).toBe('ok');
    expect(p.uid).toBe(993);
    expect(p.env).toMatchObject({
      name: 'isolation',
      memory: '128',
      version: '$LATEST',
      region: 'us-east-1',
      handler: 'index.handler',
      taskRoot: '/var/task',
      initType: 'on-demand',
      logGroup: '/aws/lambda/isolation',
      custom: 'yes',
    });
    expect(p.env.runtimeApi).toMatch(/^[\w.-]+:\d+$/);
    expect(p.env.logStream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('stays usable after sitting frozen past HTTP keep-alive timeouts', async () => {
    const before = await orch.invoke('reuse', {});
    await sleep(6_500); // Node's default keep-alive timeout is 5 s: the held GET /next must outlive it
    const after = await orch.invoke('reuse', {});
    expect(after.contextId).toBe(before.contextId);
    expect(after.coldStart).toBe(false);
    expect((after.payload as { count: number }).count).toBe((before.payload as { count: number }).count + 1);
  });

  it('answers @aws-sdk/client-lambda', async () => {
    const client = lambdaClient(orch.url);
    const out = await client.send(new InvokeCommand({ FunctionName: 'reuse', Payload: Buffer.from('{}') }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(out.Payload!).toString('utf8')).count).toBeGreaterThan(0);
    client.destroy();
  });
});
