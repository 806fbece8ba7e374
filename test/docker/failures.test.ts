import { loadConfigObject } from '../../src/config/load';
import type { StartedOrchestrator } from '../../src/orchestrator';
import {
  containersOf,
  docker,
  FIXTURES,
  startFixtureOrchestrator,
  type CapturedLogs,
  servingContainersOf,
  servingContexts,
} from '../helpers/orchestrator';
import { sleep, waitFor } from '../helpers/wait';

/**
 * Failures: every way a function can go wrong answers like Lambda (200 + Lambda's error
 * body), ends the context when the runtime is gone, and never takes the orchestrator down.
 */
describe('failures, as AWS Lambda reports them', () => {
  let orch: StartedOrchestrator;
  let logs: CapturedLogs;

  beforeAll(async () => {
    ({ orch, logs } = await startFixtureOrchestrator(
      {
        errors: { code: 'handler-errors' },
        sleeper: { code: 'sleeper', timeout: 1 },
        exits: { code: 'process-exit' },
        timerThrows: { code: 'timer-throws' },
        // A long timeout: at 128 MB's CPU share a slow host needs seconds to reach the limit; the OOM must win.
        oom: { code: 'oom', memorySize: 128, timeout: 60 },
        importError: { code: 'import-module-error' },
        handlerNotFound: { code: 'handler-not-found' },
        syntaxError: { code: 'syntax-error' },
        slowInit: { code: 'slow-init' },
        // tmpfs pages are charged to the container's memory cgroup: memory well above /tmp.
        fillTmp: { code: 'fill-tmp', memorySize: 1024, ephemeralStorageSize: 512, timeout: 60 },
        healthy: { code: 'echo' },
        flood: { code: 'log-flood', timeout: 30 },
      },
      { initTimeout: 8, stemContexts: 1 }, // the defaults but a shorter init timeout (a slow host boots a runtime in 2-3 s)
    ));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  /**
   * Resolves once Docker no longer knows the container (the orchestrator removed it). How long the
   * engine takes is the host's (seconds under load, four times that on a slower host): only waited for.
   */
  async function gone(containerId: string, withinMs = 30_000): Promise<boolean> {
    const until = Date.now() + withinMs;
    while (Date.now() < until) {
      try {
        await docker.getContainer(containerId).inspect();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return true;
        throw err;
      }
      await sleep(100);
    }
    return false;
  }

  async function containerOf(fn: string, contextId: string): Promise<string> {
    const row = (await orch.contexts()).find((c) => c.function === fn && c.id === contextId);
    if (!row?.containerId) throw new Error(`no live context ${contextId} of ${fn}`);
    return row.containerId;
  }

  describe('a handled error (throw or reject)', () => {
    it('answers {errorType, errorMessage, trace} and keeps the context warm', async () => {
      const thrown = await orch.invoke('errors', { mode: 'throw' });
      expect(thrown.functionError).toEqual({
        errorType: 'TypeError',
        errorMessage: 'bad input #1',
        trace: expect.arrayContaining(['TypeError: bad input #1']),
      });
      expect(thrown.functionError!.trace!.some((l) => l.includes('/var/task/index.js'))).toBe(true);
      expect(thrown.logTail).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"bad input #1"/);

      const rejected = await orch.invoke('errors', { mode: 'reject' });
      expect(rejected.functionError).toMatchObject({ errorType: 'Error', errorMessage: 'rejected #2' });

      const fine = await orch.invoke('errors', {});
      expect(fine.functionError).toBeUndefined();
      expect(fine.payload).toEqual({ count: 3 }); // same globals: the same process served all three
      expect(new Set([thrown.contextId, rejected.contextId, fine.contextId]).size).toBe(1);
      expect([thrown.coldStart, rejected.coldStart, fine.coldStart]).toEqual([true, false, false]);
    });
  });

  describe('a timeout', () => {
    it('answers Sandbox.Timedout at the timeout (not when the handler ends), and replaces the context', async () => {
      const warm = await orch.invoke('sleeper', { ms: 0 });
      const containerId = await containerOf('sleeper', warm.contextId);

      const t0 = Date.now();
      const r = await orch.invoke('sleeper', { ms: 10_000 });
      const elapsed = Date.now() - t0;
      expect(r.functionError).toEqual({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${r.requestId} Error: Task timed out after 1.00 seconds`,
      });
      expect(elapsed).toBeGreaterThanOrEqual(1000);
      expect(elapsed).toBeLessThan(10_000); // the timeout's answer, not the handler's (it sleeps 10 s)
      process.stdout.write(`Sandbox.Timedout answered ${elapsed - 1000} ms after the 1 s timeout\n`);
      expect(r.logTail).toContain('sleeping 10000 ms');
      expect(r.logTail).toMatch(new RegExp(`REPORT RequestId: ${r.requestId}\\tDuration: 1\\d{3}\\.\\d\\d ms\\t.*\\tStatus: timeout`));

      expect(await gone(containerId)).toBe(true);
      const next = await orch.invoke('sleeper', { ms: 0 });
      expect(next.functionError).toBeUndefined();
      expect(next.coldStart).toBe(true);
      expect(next.contextId).not.toBe(warm.contextId);
    });
  });

  describe('the runtime dies', () => {
    it('process.exit: Runtime.ExitError "exit status N", and the next call gets a new context', async () => {
      const warm = await orch.invoke('exits', {});
      const containerId = await containerOf('exits', warm.contextId);
      const r = await orch.invoke('exits', { exit: 3 });
      expect(r.functionError).toEqual({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${r.requestId} Error: Runtime exited with error: exit status 3`,
      });
      expect(r.logTail).toContain('exiting with 3');
      expect(r.logTail).toMatch(/REPORT RequestId: .*\tStatus: error/);
      expect(await gone(containerId)).toBe(true);

      const next = await orch.invoke('exits', {});
      expect(next.payload).toEqual({ alive: true });
      expect(next.coldStart).toBe(true);
      expect(next.contextId).not.toBe(warm.contextId);
    });

    it('an uncaught exception in a timer left by the last call kills the runtime at the thaw, under the next invocation', async () => {
      const armed = await orch.invoke('timerThrows', { mode: 'after' });
      expect(armed.payload).toEqual({ armed: true });
      const containerId = await containerOf('timerThrows', armed.contextId);
      await sleep(2000); // the 1 s timer is overdue, but the context is frozen: it has not run
      expect((await docker.getContainer(containerId).inspect()).State.Paused).toBe(true);

      // The next event is handed over first (nothing of the function runs before it), then the
      // overdue timer fires: as AWS's runtime client does, its error is that invocation's, then exit(129).
      const r = await orch.invoke('timerThrows', {});
      expect(r.functionError).toMatchObject({ errorType: 'Error', errorMessage: 'boom after' });
      expect(r.logTail).toMatch(/\tERROR\tUncaught Exception \t\{"errorType":"Error","errorMessage":"boom after"/);
      expect(await gone(containerId)).toBe(true);

      const next = await orch.invoke('timerThrows', {});
      expect(next.payload).toEqual({ ok: true });
      expect(next.coldStart).toBe(true);
    });

    it("an uncaught exception in a timer during the call: reported as Lambda's runtime does, then the context is replaced", async () => {
      const r = await orch.invoke('timerThrows', { mode: 'during' });
      // Like AWS's Node.js runtime client: the error is posted for the invocation, then exit(129).
      expect(r.functionError).toMatchObject({ errorType: 'Error', errorMessage: 'boom during' });
      // A call made right away must not land on the dying context.
      const next = await orch.invoke('timerThrows', {});
      expect(next.payload).toEqual({ ok: true });
      expect(next.functionError).toBeUndefined();
      expect(next.coldStart).toBe(true);
      expect(next.contextId).not.toBe(r.contextId);
    });

    it('memory past memorySize: the cgroup OOM killer stops it (State.OOMKilled), Runtime.ExitError "signal: killed"', async () => {
      const warm = await orch.invoke('oom', {});
      const containerId = await containerOf('oom', warm.contextId);
      const info = await docker.getContainer(containerId).inspect();
      expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
      // V8's heap is sized as Lambda's Node.js bootstrap sizes it (old space 90 %, semi-space 5 %).
      expect(info.Path).toBe('/var/lang/bin/node'); // by absolute path: a function's PATH cannot break it
      expect(info.Args).toEqual([
        '--max-semi-space-size=6',
        '--max-old-space-size=116',
        '--require',
        '/var/runtime/esm-node-path/register.cjs',
        '/var/runtime/index.js',
      ]);
      const heap = (await orch.invoke('oom', { heapLimit: true })).payload as { heapLimitMb: number };
      expect(heap.heapLimitMb).toBeGreaterThanOrEqual(116);
      expect(heap.heapLimitMb).toBeLessThan(150);

      // Docker's own record of the kill: the engine's `oom` event and the container's State.OOMKilled.
      const events = (await docker.getEvents({
        filters: { container: [containerId], type: ['container'] },
      })) as NodeJS.ReadableStream & { destroy(): void };
      const seen: Array<{ Action: string; Actor?: { Attributes?: Record<string, string> } }> = [];
      let oomKilledState: boolean | undefined;
      events.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          const e = JSON.parse(line) as (typeof seen)[number];
          seen.push(e);
          if (e.Action === 'die') {
            // Inspect before the orchestrator removes it (it may already be gone).
            docker
              .getContainer(containerId)
              .inspect()
              .then((i) => (oomKilledState = i.State.OOMKilled))
              .catch(() => undefined);
          }
        }
      });
      try {
        const r = await orch.invoke('oom', { allocateMb: 400 });
        expect(r.functionError).toEqual({
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${r.requestId} Error: Runtime exited with error: signal: killed`,
        });
        expect(r.logTail).toContain('allocated 64 MB');
        expect(r.logTail).not.toContain('allocated 160 MB');
        // The orchestrator read State.OOMKilled too: it reports the limit as the peak.
        expect(r.logTail).toMatch(/\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t/);
        await sleep(500);
      } finally {
        events.destroy();
      }
      expect(seen.map((e) => e.Action)).toContain('oom');
      const die = seen.find((e) => e.Action === 'die');
      expect(die?.Actor?.Attributes?.exitCode).toBe('137');
      if (oomKilledState !== undefined) expect(oomKilledState).toBe(true);
      expect(await gone(containerId)).toBe(true);

      const next = await orch.invoke('oom', {});
      expect(next.payload).toEqual({ ok: true });
      expect(next.coldStart).toBe(true);
    });
  });

  describe('init failures, reported on the invocation that triggered the init', () => {
    it.each([
      ['importError', 'Runtime.ImportModuleError', /^Error: Cannot find module 'a-package-that-is-not-installed'\nRequire stack:/],
      ['handlerNotFound', 'Runtime.HandlerNotFound', /^index\.handler is undefined or not exported$/],
      ['syntaxError', 'Runtime.UserCodeSyntaxError', /^SyntaxError: /],
    ])('%s: %s', async (fn, errorType, message) => {
      const r = await orch.invoke(fn, {});
      expect(r.coldStart).toBe(true);
      expect(r.functionError?.errorType).toBe(errorType);
      expect(r.functionError?.errorMessage).toMatch(message);
      expect(r.logTail).toContain(errorType);
      expect(r.logTail).toMatch(
        new RegExp(`INIT_REPORT Init Duration: [\\d.]+ ms\\tPhase: init\\tStatus: error\\tError Type: ${errorType.replace('.', '\\.')}`),
      );
      expect(r.logTail).toMatch(
        new RegExp(`START RequestId: ${r.requestId}[\\s\\S]*END RequestId: ${r.requestId}\\nREPORT RequestId: ${r.requestId}\\t`),
      );
      // The failed context is removed (only a new stem, with nothing of the function loaded, is
      // left), and the next call tries the init again.
      await waitFor('the failed context to be removed', async () => (await orch.contexts()).every((c) => c.id !== r.contextId));
      expect(await servingContexts(orch, fn)).toHaveLength(0);
      const again = await orch.invoke(fn, {});
      expect(again.functionError?.errorType).toBe(errorType);
      expect(again.contextId).not.toBe(r.contextId);
    });

    it('an init longer than settings.initTimeout (default 10 s) is stopped', async () => {
      const defaults = loadConfigObject({ functions: { f: { handler: 'index.handler', code: 'echo' } } }, FIXTURES);
      expect(defaults.settings.initTimeout).toBe(10);
      expect(orch.config.settings.initTimeout).toBe(8);

      const t0 = Date.now();
      const r = await orch.invoke('slowInit', {});
      const elapsed = Date.now() - t0;
      expect(r.functionError?.errorType).toBe('Sandbox.Timedout');
      expect(r.functionError?.errorMessage).toMatch(/8\.00 seconds/);
      expect(elapsed).toBeGreaterThanOrEqual(8000);
      expect(elapsed).toBeLessThan(60_000); // stopped by the init timeout, not by the init's end (it blocks 60 s)
      process.stdout.write(`init timeout answered ${elapsed - 8000} ms after the 8 s initTimeout\n`);
      expect(r.logTail).toContain('init starts and will not finish');
      expect(r.logTail).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: timeout/);
      // The timed-out context is removed (a new stem may be booting for the next cold start).
      await waitFor('the timed-out context to be removed', async () => (await orch.contexts()).every((c) => c.id !== r.contextId));
      const slowInitLeft = async () => (await servingContainersOf(orch)).filter((c) => c.Labels['orchestrator.function'] === 'slowInit');
      await waitFor('its container to be removed', async () => (await slowInitLeft()).length === 0, 30_000); // the engine's pace
    });
  });

  describe('/tmp beyond ephemeralStorageSize', () => {
    it('gives the function ENOSPC at 512 MB and leaves the context usable', async () => {
      const r = await orch.invoke('fillTmp', {});
      expect(r.functionError).toBeUndefined();
      const p = r.payload as { code: string; writtenMb: number };
      expect(p.code).toBe('ENOSPC');
      expect(p.writtenMb).toBeGreaterThanOrEqual(500);
      expect(p.writtenMb).toBeLessThanOrEqual(512);
      const after = await orch.invoke('fillTmp', { cleanup: true });
      expect(after.contextId).toBe(r.contextId);
      expect((after.payload as { freeMb: number }).freeMb).toBeGreaterThanOrEqual(500);
    });
  });

  describe('output floods', () => {
    it('20 MB of lines and a 2 MB line without newline: bounded lines, a 4 KB tail, the context serves on', async () => {
      const before = logs.lines.length;
      const r = await orch.invoke('flood', { lines: 20_000, hugeChars: 2 * 1024 * 1024 });
      expect(r.functionError).toBeUndefined();
      expect(r.payload).toEqual({ done: true });
      expect(Buffer.byteLength(r.logTail)).toBeLessThanOrEqual(4096);
      // The last write had no newline: it is still a line of its own, before END.
      expect(r.logTail).toMatch(
        new RegExp(`\\nno newline at the end\\nEND RequestId: ${r.requestId}\\nREPORT RequestId: ${r.requestId}\\t`),
      );
      const mine = logs.lines.slice(before).map((l) => l.slice('flood | '.length));
      expect(mine.filter((l) => /^\S+\t\S+\tINFO\t\d+ l+$/.test(l))).toHaveLength(20_000);
      const huge = mine.filter((l) => /^h+$/.test(l));
      expect(huge.map((l) => l.length).reduce((a, b) => a + b, 0)).toBe(2 * 1024 * 1024);
      expect(Math.max(...huge.map((l) => l.length))).toBeLessThanOrEqual(256 * 1024);
      const again = await orch.invoke('flood', {});
      expect(again.contextId).toBe(r.contextId);
    }, 60_000);
  });

  describe('afterwards (runs last)', () => {
    it('the orchestrator survived all of it: it serves, and holds no container of a dead context', async () => {
      const r = await orch.invoke('healthy', { still: 'here' });
      expect(r.functionError).toBeUndefined();
      expect((r.payload as { event: unknown }).event).toEqual({ still: 'here' });
      const res = await fetch(`${orch.url}/2015-03-31/functions/`);
      expect(res.status).toBe(200);
      // Every container on the engine is a live context's, once removals and stems being booted have settled.
      const same = async () => {
        const live = [...new Set((await orch.contexts()).map((c) => c.containerId))].sort();
        const onEngine = (await containersOf(orch.instance.id)).map((c) => c.Id).sort();
        return JSON.stringify(live) === JSON.stringify(onEngine);
      };
      await waitFor("the engine's containers to be the live contexts'", same, 30_000);
      expect(logs.lines.some((l) => l.startsWith('healthy | START RequestId: '))).toBe(true);
    });
  });
});
