import type { StartedOrchestrator } from '../../src/orchestrator';
import { docker, startFixtureOrchestrator } from '../helpers/orchestrator';

jest.setTimeout(120_000);

type Attack = {
  next?: string;
  response?: string;
  initError?: string;
  scanAnswered?: string[];
  badEscape?: string;
  cutInitError?: string;
  cutResponse?: string;
  sockets?: { open: number; failed: number };
};
type Limits = { zombies: number; pid1: string; nofile: [number, number] | null; tmpExec: string };

/** Isolation (docs/execution-context.md): what a hostile function can do to others and to the orchestrator: nothing. */
describe('a hostile function', () => {
  let orch: StartedOrchestrator;
  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator({
      victim: { code: 'pool-echo', timeout: 10 },
      attacker: { code: 'attacker', memorySize: 256, timeout: 60 },
      limits: { code: 'limits-probe', memorySize: 512, timeout: 60 },
    }));
  }, 180_000);
  afterAll(() => orch?.stop());

  async function runtimeApiOf(fn: string): Promise<string> {
    const ctx = (await orch.contexts()).find((c) => c.function === fn)!;
    const env = (await docker.getContainer(ctx.containerId!).inspect()).Config.Env;
    return env.find((e) => e.startsWith('AWS_LAMBDA_RUNTIME_API='))!.split('=')[1];
  }

  it("cannot reach another context's Runtime API: every connection is refused before anything is read", async () => {
    const first = await orch.invoke<{ count: number }>('victim', { id: 'v1' });
    const victim = await runtimeApiOf('victim');
    const r = await orch.invoke<Attack>('attacker', { victim });
    expect(r.functionError).toBeUndefined();
    for (const outcome of [r.payload.next, r.payload.response, r.payload.initError]) {
      expect(outcome).not.toMatch(/^answered/);
    }
    expect(r.payload.scanAnswered).toEqual([]); // no Runtime API of another context answers on the gateway

    // The victim noticed nothing: same context, its own event, its own answer.
    const after = await orch.invoke<{ id: string; count: number }>('victim', { id: 'v2' });
    expect(after.functionError).toBeUndefined();
    expect(after.contextId).toBe(first.contextId);
    expect(after.payload).toMatchObject({ id: 'v2', count: first.payload.count + 1 });
  });

  it('cannot take the orchestrator down through its own Runtime API', async () => {
    const r = await orch.invoke<Attack>('attacker', { abuseOwn: true });
    expect(r.functionError).toBeUndefined(); // its own invocation survived its abuse
    expect(r.payload.badEscape).toMatch(/^answered 4\d\d$/);
    expect(r.payload.cutInitError).toBe('closed');
    expect(r.payload.cutResponse).toBe('closed');
    expect(r.payload.sockets!.open).toBeLessThan(100); // capped per context
    const again = await orch.invoke<{ id: string }>('victim', { id: 'v3' });
    expect(again.payload.id).toBe('v3');
  });

  it("a Runtime API listens on the containers' address only, not on loopback", async () => {
    const [host, port] = (await runtimeApiOf('victim')).split(':');
    expect(host).not.toBe('0.0.0.0');
    await expect(fetch(`http://127.0.0.1:${port}/2018-06-01/runtime/invocation/next`)).rejects.toThrow();
  });

  it("has Lambda's limits inside: an init reaps zombies, 1024 open files, binaries run from /tmp", async () => {
    const r = await orch.invoke<Limits>('limits', { orphans: 50 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload.zombies).toBe(0);
    expect(r.payload.pid1).toMatch(/docker-init$/);
    expect(r.payload.nofile).toEqual([1024, 1024]);
    expect(r.payload.tmpExec).toBe('ran from /tmp');
  });
});
