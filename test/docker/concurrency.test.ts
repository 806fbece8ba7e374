import type { StartedOrchestrator } from '../../src/orchestrator';
import { containersOf, containerState, docker, startFixtureOrchestrator } from '../helpers/orchestrator';
import { httpInvoke, sampleMax } from '../helpers/pool-load';
import { waitFor } from '../helpers/wait';

/**
 * The pool under real load (docs/settings.md): scale-out, reuse, reservedConcurrency, the memory budget,
 * provisioned concurrency; every context a real container.
 */
jest.setTimeout(120_000);

type Echo = { id: string | null; count: number; host: string; initType: string; startedAt: number };

describe('scale-out, reuse and reservedConcurrency', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator(
      {
        sleepy: { code: 'pool-echo', timeout: 10 },
        capped: { code: 'pool-echo', timeout: 10, reservedConcurrency: 2 },
        loaded: { code: 'pool-echo', timeout: 10, reservedConcurrency: 6 },
      },
      { initTimeout: 60 },
    )); // 8 containers booting at once on a busy 2-core host take their time
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  it('runs 8 concurrent 1 s invocations at the same time in 8 containers, then reuses them for 8 sequential ones', async () => {
    const started = Date.now();
    const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => orch.invoke<Echo>('sleepy', { id: `c${i}`, sleepMs: 1000 })));
    const wallMs = Date.now() - started;
    const inits = concurrent.map((r) => Math.round(r.initDurationMs ?? -1)).sort((a, b) => a - b);
    process.stdout.write(`8 concurrent 1 s invocations: ${wallMs} ms wall; init durations ${inits.join(', ')} ms\n`);
    // Run side by side, not one after another: their 1 s sleeps overlap (in the containers' own
    // clocks, which are the host's). How much faster than 8 s that is depends on the host: bench.
    expect(concurrent.map((r) => r.functionError ?? null)).toEqual(Array(8).fill(null));
    const sleeps = concurrent.map((r) => r.payload.startedAt);
    const overlapping = Math.max(...sleeps.map((t) => sleeps.filter((u) => u <= t && t < u + 1000).length));
    expect(overlapping).toBeGreaterThanOrEqual(2);
    expect(concurrent.map((r) => r.payload.id)).toEqual(Array.from({ length: 8 }, (_, i) => `c${i}`));
    expect(concurrent.every((r) => r.coldStart)).toBe(true);
    expect(new Set(concurrent.map((r) => r.contextId)).size).toBe(8);
    expect(new Set(concurrent.map((r) => r.payload.host)).size).toBe(8); // 8 containers, seen from inside

    const containers = (await containersOf(orch.instance.id)).filter((c) => c.Labels['orchestrator.function'] === 'sleepy');
    expect(containers).toHaveLength(8);
    const before = new Set(containers.map((c) => c.Id));

    const seq = [];
    for (let i = 0; i < 8; i++) seq.push(await orch.invoke<Echo>('sleepy', { id: `s${i}` }));
    const seqContexts = seq.map((r) => r.contextId);
    expect(seq.map((r) => [r.payload.id, r.coldStart, r.functionError ?? null])).toEqual(
      Array.from({ length: 8 }, (_, i) => [`s${i}`, false, null]),
    );
    for (const id of seqContexts) expect(concurrent.map((r) => r.contextId)).toContain(id);
    // Most recently used first: one warm context serves the whole sequential run.
    expect(new Set(seqContexts).size).toBe(1);
    const after = (await containersOf(orch.instance.id)).filter((c) => c.Labels['orchestrator.function'] === 'sleepy');
    expect(new Set(after.map((c) => c.Id))).toEqual(before); // no new container
    expect(orch.stats().sleepy).toEqual({ coldStarts: 8, warmStarts: 8 });
  });

  it('with reservedConcurrency 2, answers exactly one of 3 concurrent calls 429 ReservedFunctionConcurrentInvocationLimitExceeded', async () => {
    const results = await Promise.all([0, 1, 2].map((i) => httpInvoke(orch.url, 'capped', { id: `r${i}`, sleepMs: 1500 })));
    const throttled = results.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(1);
    expect(throttled[0].errorType).toBe('TooManyRequestsException');
    expect(throttled[0].body).toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User' });
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(2);
    expect(new Set(ok.map((r) => (r.body as Echo).host)).size).toBe(2);
    expect((await orch.contexts()).filter((c) => c.function === 'capped')).toHaveLength(2);
  });

  it('answers 400 invocations from 16 concurrent clients exactly once each, never above the cap', async () => {
    const CAP = 6;
    const ids = Array.from({ length: 400 }, (_, i) => `id-${i}-${Math.random().toString(36).slice(2)}`);
    const answers = new Map<string, Echo[]>();
    let throttled = 0;
    let next = 0;
    const ctxSampler = sampleMax(async () => (await orch.contexts()).filter((c) => c.function === 'loaded').length, 10);
    const dockerSampler = sampleMax(
      async () => (await containersOf(orch.instance.id)).filter((c) => c.Labels['orchestrator.function'] === 'loaded').length,
      100,
    );
    const client = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        for (;;) {
          const r = await httpInvoke(orch.url, 'loaded', { id });
          if (r.status === 429) {
            // Like an SDK's retry: throttled calls never ran; try again shortly.
            expect(r.body.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
            throttled++;
            await new Promise((res) => setTimeout(res, 5 + Math.random() * 20));
            continue;
          }
          expect(r.status).toBe(200);
          answers.set(id, [...(answers.get(id) ?? []), r.body as Echo]);
          break;
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 16 }, client));
    const wallMs = Date.now() - started;
    const ctx = await ctxSampler.stop();
    const dock = await dockerSampler.stop();
    process.stdout.write(
      `400 invocations, 16 clients, cap ${CAP}: ${wallMs} ms, ${throttled} throttled (retried), ` +
        `max ${ctx.max} contexts over ${ctx.samples} samples, max ${dock.max} containers over ${dock.samples} samples\n`,
    );
    expect(answers.size).toBe(400);
    for (const id of ids) {
      expect(answers.get(id)).toHaveLength(1);
      expect(answers.get(id)![0].id).toBe(id);
    }
    expect(ctx.max).toBeLessThanOrEqual(CAP);
    expect(dock.max).toBeLessThanOrEqual(CAP);
    // Each invocation ran exactly once: the contexts served 400 in all.
    const rows = (await orch.contexts()).filter((c) => c.function === 'loaded');
    expect(rows.reduce((n, c) => n + c.invocations, 0)).toBe(400);
  });
});

describe('the memory budget', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator(
      {
        m1: { code: 'pool-echo', timeout: 10 },
        m2: { code: 'pool-echo', timeout: 10 },
        m3: { code: 'pool-echo', timeout: 10 },
      },
      { memoryBudget: 256, idleTimeout: 600 },
    ));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  it('evicts the least recently used frozen context to make room, and answers 429 ConcurrentInvocationLimitExceeded when all are busy', async () => {
    const first = await orch.invoke('m1', {});
    await orch.invoke('m2', {});
    const rows = await orch.contexts();
    const m1Container = rows.find((c) => c.function === 'm1')!.containerId!;
    const m2Container = rows.find((c) => c.function === 'm2')!.containerId!;
    expect(first.coldStart).toBe(true);

    // 2 × 128 MB fill the budget: m3 needs room, m1's context (least recently used) makes it.
    const third = await orch.invoke('m3', {});
    expect(third.coldStart).toBe(true);
    const after = await orch.contexts();
    expect(after.map((c) => c.function).sort()).toEqual(['m2', 'm3']);
    await waitFor(
      'm1 container removed',
      async () =>
        !(await docker
          .getContainer(m1Container)
          .inspect()
          .then(
            () => true,
            () => false,
          )),
    );
    expect((await containerState(m2Container)).Paused).toBe(true);

    // Both contexts busy: a call that needs a new one cannot be served.
    const busy = [httpInvoke(orch.url, 'm2', { sleepMs: 1500 }), httpInvoke(orch.url, 'm3', { sleepMs: 1500 })];
    await waitFor('both busy', async () => (await orch.contexts()).every((c) => c.state === 'busy'), 5000, 10);
    const refused = await httpInvoke(orch.url, 'm1', {});
    expect(refused.status).toBe(429);
    expect(refused.errorType).toBe('TooManyRequestsException');
    expect(refused.body.Reason).toBe('ConcurrentInvocationLimitExceeded');
    expect((await Promise.all(busy)).map((r) => r.status)).toEqual([200, 200]);
    expect((await orch.contexts()).length).toBeLessThanOrEqual(2);
    expect((await containersOf(orch.instance.id)).length).toBeLessThanOrEqual(2);
  });
});

describe('provisioned concurrency', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator({ warm: { code: 'pool-echo', provisionedConcurrency: 3 } }));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  it('has N initialised, frozen contexts right after start; the first invocation has no Init Duration', async () => {
    const rows = await orch.contexts();
    expect(rows).toHaveLength(3);
    expect(rows.every((c) => c.provisioned && c.function === 'warm')).toBe(true);
    const frozenAfterMs = await waitFor(
      'provisioned contexts paused',
      async () => (await Promise.all(rows.map((c) => containerState(c.containerId!)))).every((s) => s.Paused),
      2000,
      20,
    );
    process.stdout.write(`provisioned contexts all paused ${frozenAfterMs} ms after start returned\n`);
    expect((await orch.contexts()).every((c) => c.state === 'frozen')).toBe(true);

    const r = await orch.invoke<Echo>('warm', { id: 'first' });
    expect(r.coldStart).toBe(false);
    expect(r.initDurationMs).toBeUndefined();
    expect(r.payload.initType).toBe('provisioned-concurrency');
    expect(r.logTail).toMatch(/REPORT RequestId: \S+\tDuration: /);
    expect(r.logTail).not.toMatch(/Init Duration/);
    expect(rows.map((c) => c.id)).toContain(r.contextId);
    expect(await containersOf(orch.instance.id)).toHaveLength(3);
  });
});
