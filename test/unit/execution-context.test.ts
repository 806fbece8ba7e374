import http from 'node:http';
import { ExecutionContext, type ContextDeps } from '../../src/context/execution-context';
import type { ContextContainer, ContainerExit } from '../../src/context/context-container';
import { silentLogSink } from '../../src/logging/log-sink';
import { fnConfig } from '../helpers/fake-member';

/** A stand-in for the container: records pauses, never exits on its own. */
function fakeContainer() {
  const calls: string[] = [];
  const container = {
    id: 'fake',
    exited: new Promise<ContainerExit>(() => undefined),
    pause: async () => void calls.push('pause'),
    unpause: async () => void calls.push('unpause'),
    remove: async () => void calls.push('remove'),
  } as unknown as ContextContainer;
  return { container, calls };
}

/** A minimal runtime: GET /next, answer with the event, GET /next again. */
function fakeRuntime(port: number): void {
  const base = `http://127.0.0.1:${port}/2018-06-01/runtime`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const next = () =>
    http.get(`${base}/invocation/next`, { agent }, (res) => {
      const id = String(res.headers['lambda-runtime-aws-request-id']);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const post = http.request(`${base}/invocation/${id}/response`, { method: 'POST', agent }, (r) => {
          r.resume();
          r.on('end', next);
        });
        post.end(Buffer.concat(chunks));
      });
    }).on('error', () => undefined);
  next();
}

function deps(start: ContextDeps['startContainer']): ContextDeps {
  return {
    startContainer: start,
    layers: async () => undefined,
    runtimeApiBind: '127.0.0.1',
    checkPeer: false,
    cpuNanos: 0,
    sink: silentLogSink,
    now: () => Date.now(),
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    initTimeoutMs: 5_000,
    freezeGraceMs: 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls until `done` (the jest timeout bounds it). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(5);
}

// Destroyed even when a test fails or times out, so no Runtime API server keeps jest running.
const made: ExecutionContext[] = [];
afterEach(async () => {
  await Promise.allSettled(made.splice(0).map((c) => c.destroy()));
});

describe('ExecutionContext when init ends before the engine answers the start call', () => {
  it('still counts the first invocation as its cold start, then freezes and reuses the context', async () => {
    const { container, calls } = fakeContainer();
    const ctx = new ExecutionContext(fnConfig('f'), 'on-demand', deps(async (port, io) => {
      io.onStart?.();
      fakeRuntime(port);
      await sleep(100); // the runtime's first GET /next arrives before start() returns
      return { container, memory: { peakBytes: async () => 8 * 1024 * 1024, pids: async () => 7 } };
    }));
    made.push(ctx);
    await ctx.start();
    const first = await ctx.invoke({ requestId: 'r1', payload: Buffer.from('{"n":1}'), tail: false });
    expect(first.coldStart).toBe(true);
    expect(first.initDurationMs).toBeGreaterThan(0);
    expect(first.payload.toString()).toBe('{"n":1}');
    await until(() => ctx.state === 'frozen'); // the fake pause, however busy the host
    expect(ctx.state).toBe('frozen');
    expect(ctx.claim()).toBe(true);
    const second = await ctx.invoke({ requestId: 'r2', payload: Buffer.from('{"n":2}'), tail: false });
    expect(second.coldStart).toBe(false);
    expect(calls.slice(0, 2)).toEqual(['pause', 'unpause']);
  }, 10_000);

  it('freezes a provisioned context whose init finished first', async () => {
    const { container, calls } = fakeContainer();
    const ctx = new ExecutionContext(fnConfig('f'), 'provisioned-concurrency', deps(async (port, io) => {
      io.onStart?.();
      fakeRuntime(port);
      await sleep(100);
      return { container, memory: { peakBytes: async () => undefined, pids: async () => undefined } };
    }));
    made.push(ctx);
    await ctx.start();
    await ctx.initialized();
    await until(() => calls.includes('pause'));
    expect(calls).toContain('pause');
    expect(ctx.state).toBe('frozen');
  }, 10_000);
});
