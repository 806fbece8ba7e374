import http from 'node:http';
import { ExecutionContext, type ContextDeps } from '../../src/context/execution-context';
import type { ContextContainer, ContainerExit } from '../../src/context/context-container';
import { fixedTiming } from '../../src/context/freeze-timing';
import { silentLogSink } from '../../src/logging/log-sink';
import { fnConfig } from '../helpers/fake-member';
import { sleep, until } from '../helpers/wait';

/** A stand-in for the container: records pauses, never exits on its own; `unpauseMs`: a slow engine's unpause. */
function fakeContainer(opts: { unpauseMs?: number } = {}) {
  const calls: string[] = [];
  let unpausedAt = 0;
  const container = {
    id: 'fake',
    exited: new Promise<ContainerExit>(() => undefined),
    pause: async () => void calls.push('pause'),
    unpause: async () => {
      calls.push('unpause');
      if (opts.unpauseMs) await sleep(opts.unpauseMs);
      unpausedAt = performance.now();
    },
    remove: async () => void calls.push('remove'),
  } as unknown as ContextContainer;
  /** When the last unpause returned (performance.now()); 0 before. */
  return { container, calls, unpausedAt: () => unpausedAt };
}

/** A minimal runtime: GET /next, answer with the event, GET /next again (`seen`: when each event came). */
function fakeRuntime(port: number, headers: Record<string, string> = {}, seen: number[] = [], answers = Infinity): void {
  const base = `http://127.0.0.1:${port}/2018-06-01/runtime`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const next = () =>
    http
      .get(`${base}/invocation/next`, { agent }, (res) => {
        const id = String(res.headers['lambda-runtime-aws-request-id']);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          seen.push(performance.now());
          if (seen.length > answers) return; // still frozen, as far as this invocation can tell
          const post = http.request(`${base}/invocation/${id}/response`, { method: 'POST', agent, headers }, (r) => {
            r.resume();
            r.on('end', next);
          });
          post.end(Buffer.concat(chunks));
        });
      })
      .on('error', () => undefined);
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
    freezeTiming: fixedTiming(0),
    thawAhead: true,
    streamRate: 0,
  };
}

// Destroyed even when a test fails or times out, so no Runtime API server keeps jest running.
const made: ExecutionContext[] = [];
afterEach(async () => {
  await Promise.allSettled(made.splice(0).map((c) => c.destroy()));
});

/**
 * A warm context over `container`, frozen after its first call and claimed for the next. Its runtime
 * (default: one that answers that first call only, as if frozen for good afterwards) gets the port.
 */
async function claimedWhenFrozen(
  container: ContextContainer,
  opts: { timeout?: number; thawAhead?: boolean; runtime?: (port: number) => void } = {},
): Promise<ExecutionContext> {
  const runtime = opts.runtime ?? ((port: number) => fakeRuntime(port, {}, [], 1));
  const ctx = new ExecutionContext(fnConfig('f', opts.timeout ? { timeout: opts.timeout } : {}), 'on-demand', {
    ...deps(async (port, io) => {
      io.onStart?.();
      runtime(port);
      return { container, memory: { peakBytes: async () => undefined, pids: async () => undefined, close: () => undefined } };
    }),
    ...(opts.thawAhead === undefined ? {} : { thawAhead: opts.thawAhead }),
  });
  made.push(ctx);
  await ctx.start();
  await ctx.invoke({ requestId: 'r1', payload: Buffer.from('{}'), tail: false });
  await until(() => ctx.state === 'frozen');
  await sleep(600); // the first REPORT's wait for an end marker (this runtime writes none) is over
  expect(ctx.claim()).toBe(true);
  return ctx;
}

describe('ExecutionContext when init ends before the engine answers the start call', () => {
  it('still counts the first invocation as its cold start, then freezes and reuses the context', async () => {
    const { container, calls } = fakeContainer();
    const ctx = new ExecutionContext(
      fnConfig('f'),
      'on-demand',
      deps(async (port, io) => {
        io.onStart?.();
        fakeRuntime(port);
        await sleep(100); // the runtime's first GET /next arrives before start() returns
        return { container, memory: { peakBytes: async () => 8 * 1024 * 1024, pids: async () => 7, close: () => undefined } };
      }),
    );
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
    const ctx = new ExecutionContext(
      fnConfig('f'),
      'provisioned-concurrency',
      deps(async (port, io) => {
        io.onStart?.();
        fakeRuntime(port);
        await sleep(100);
        return { container, memory: { peakBytes: async () => undefined, pids: async () => undefined, close: () => undefined } };
      }),
    );
    made.push(ctx);
    await ctx.start();
    await ctx.initialized();
    await until(() => calls.includes('pause'));
    expect(calls).toContain('pause');
    expect(ctx.state).toBe('frozen');
  }, 10_000);
});

describe('ExecutionContext thawing a frozen Node.js context', () => {
  it("writes the event while the unpause is under way, answers as soon as the runtime does, and takes the runtime's Duration", async () => {
    const { container, calls, unpausedAt } = fakeContainer({ unpauseMs: 150 }); // the engine's unpause, slow
    const seen: number[] = [];
    const ctx = await claimedWhenFrozen(container, {
      runtime: (port) => fakeRuntime(port, { 'lambda-runtime-orchestrator-duration-ms': '3.5' }, seen),
    });
    const second = await ctx.invoke({ requestId: 'r2', payload: Buffer.from('{"n":2}'), tail: false });
    expect(unpausedAt()).toBe(0); // answered before the engine: the runtime answered, so it ran
    expect(second.payload.toString()).toBe('{"n":2}');
    expect(second.durationMs).toBe(3.5); // the runtime's clock: the thaw is not the function's time
    // The next freeze waits for that unpause: never a pause before it, whatever the grace.
    await until(() => calls.filter((c) => c === 'pause').length === 2);
    expect(unpausedAt()).toBeGreaterThan(0);
    expect(calls).toEqual(['pause', 'unpause', 'pause']);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBeLessThan(unpausedAt()); // in the runtime's socket before the engine answered
  }, 10_000);

  it("times out a call from the thaw's end: its Duration leaves the unpause out, as the runtime's own would", async () => {
    const { container } = fakeContainer({ unpauseMs: 1500 });
    const ctx = await claimedWhenFrozen(container, { timeout: 1 });
    const t0 = performance.now();
    const r = await ctx.invoke({ requestId: 'r2', payload: Buffer.from('{}'), tail: false });
    expect(r.errorType).toBe('Sandbox.Timedout');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2500); // the unpause, then the whole second
    expect(r.durationMs).toBeGreaterThanOrEqual(1000);
    expect(r.durationMs).toBeLessThan(2500); // the second and its timer's lag, not the 1.5 s unpause before it
  }, 15_000);

  it('a failed unpause loses the context (the invocation is not left waiting), even with the engine away', async () => {
    const { container } = fakeContainer();
    (container as unknown as { unpause: () => Promise<void> }).unpause = async () => {
      await sleep(20);
      throw new Error('engine away');
    };
    const ctx = await claimedWhenFrozen(container);
    // The runtime never answers and the fake container never exits: only the failed unpause can end the wait.
    await expect(ctx.invoke({ requestId: 'r2', payload: Buffer.from('{}'), tail: false })).rejects.toThrow(
      /unpause of context .* failed: engine away/,
    );
  }, 10_000);
});

describe('ExecutionContext claiming a frozen stem', () => {
  it('tells its runtime to load the function while the unpause is under way (thawAhead), then serves the cold call', async () => {
    const { container, calls, unpausedAt } = fakeContainer({ unpauseMs: 150 }); // the engine's unpause, slow
    let claimedAt = 0;
    const ctx = new ExecutionContext(
      fnConfig('f'),
      'on-demand',
      deps(async (port, io) => {
        io.onStart?.();
        // A stem's runtime: GET /orchestrator/claim (held while frozen), then the usual loop.
        http.get(`http://127.0.0.1:${port}/2018-06-01/runtime/orchestrator/claim`, (res) => {
          res.resume();
          res.on('end', () => {
            claimedAt = performance.now();
            fakeRuntime(port);
          });
        });
        return { container, memory: { peakBytes: async () => undefined, pids: async () => undefined, close: () => undefined } };
      }),
      true,
    );
    made.push(ctx);
    await ctx.start();
    await until(() => calls.includes('pause')); // booted, parked and frozen
    expect(ctx.claimStem()).toBe(true);
    const cold = await ctx.invoke({ requestId: 'r1', payload: Buffer.from('{"n":1}'), tail: false });
    expect(cold.coldStart).toBe(true);
    expect(cold.payload.toString()).toBe('{"n":1}');
    expect(claimedAt).toBeGreaterThan(0);
    expect(claimedAt).toBeLessThan(unpausedAt()); // in the runtime's socket before the engine answered
  }, 10_000);
});

describe('ExecutionContext killed while frozen', () => {
  for (const thawAhead of [true, false]) {
    it(`loses the context when its killer resumed it (docker kill), so the call is rerun elsewhere (thawAhead ${thawAhead})`, async () => {
      const { container } = fakeContainer();
      let exit!: (e: ContainerExit) => void;
      Object.assign(container, {
        exited: new Promise<ContainerExit>((r) => (exit = r)),
        // The engine says "not paused" (the killer resumed it), and the runtime dies of SIGKILL on waking.
        unpause: async () => {
          setTimeout(() => exit({ statusCode: 137, oomKilled: false }), 20);
          return 'resumed-elsewhere';
        },
      });
      const ctx = await claimedWhenFrozen(container, { thawAhead });
      await expect(ctx.invoke({ requestId: 'r2', payload: Buffer.from('{}'), tail: false })).rejects.toThrow(
        /killed while frozen \(exit 137\)/,
      );
    }, 10_000);
  }
});

/**
 * A runtime with `workers` loops, each holding its own GET /next: an event `{"delayMs": n}` is
 * answered (with itself) n ms after it came, so one invocation may finish while another runs.
 */
function concurrentRuntime(port: number, workers: number, answered: string[]): void {
  const base = `http://127.0.0.1:${port}/2018-06-01/runtime`;
  for (let w = 0; w < workers; w++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const next = () =>
      http
        .get(`${base}/invocation/next`, { agent }, (res) => {
          const id = String(res.headers['lambda-runtime-aws-request-id']);
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            const { delayMs = 0 } = JSON.parse(body.toString()) as { delayMs?: number };
            setTimeout(() => {
              answered.push(id);
              const post = http.request(`${base}/invocation/${id}/response`, { method: 'POST', agent }, (r) => {
                r.resume();
                r.on('end', next);
              });
              post.end(body);
            }, delayMs);
          });
        })
        .on('error', () => undefined);
    next();
  }
}

describe('ExecutionContext with two slots (maxConcurrency 2)', () => {
  it('holds two invocations in flight, answers each to its own caller, and freezes only once neither is in flight', async () => {
    const { container, calls } = fakeContainer();
    const answered: string[] = [];
    const ctx = new ExecutionContext(fnConfig('f'), 'on-demand', {
      ...deps(async (port, io) => {
        io.onStart?.();
        concurrentRuntime(port, 2, answered);
        return { container, memory: { peakBytes: async () => undefined, pids: async () => undefined, close: () => undefined } };
      }),
      maxConcurrency: 2,
    });
    made.push(ctx);
    await ctx.start();
    const cold = await ctx.invoke({ requestId: 'r1', payload: Buffer.from('{"n":1}'), tail: false });
    expect(cold.coldStart).toBe(true);
    await until(() => ctx.state === 'frozen'); // both of its GET /next wait, nothing in flight
    expect(ctx.freeSlots).toBe(2);

    expect(ctx.claim()).toBe(true);
    expect(ctx.claim()).toBe(true);
    expect(ctx.claim()).toBe(false); // two slots, both taken
    expect(ctx.freeSlots).toBe(0);
    const quick = ctx.invoke({ requestId: 'quick', payload: Buffer.from('{"delayMs":20,"n":2}'), tail: false });
    const slow = ctx.invoke({ requestId: 'slow', payload: Buffer.from('{"delayMs":1500,"n":3}'), tail: false });

    const first = await quick;
    expect(first.payload.toString()).toBe('{"delayMs":20,"n":2}');
    expect(first.requestId).toBe('quick');
    expect(answered).toEqual(['r1', 'quick']); // the slow one still runs
    await until(() => ctx.freeSlots === 1); // the quick one's slot is free again, the context still busy
    await sleep(300); // a freeze decided now would be under way (the grace is 0 here)
    expect(ctx.state).toBe('busy');
    expect(calls.filter((c) => c === 'pause')).toHaveLength(1); // only the one before the two claims

    const second = await slow;
    expect(second.payload.toString()).toBe('{"delayMs":1500,"n":3}');
    expect(second.requestId).toBe('slow');
    expect(second.coldStart).toBe(false);
    await until(() => calls.filter((c) => c === 'pause').length === 2); // neither in flight: frozen
    expect(calls).toEqual(['pause', 'unpause', 'pause']); // one unpause for both: the second found it thawed
    expect(ctx.state).toBe('frozen');
    expect(ctx.invocations).toBe(3);
  }, 15_000);
});
