import { join } from 'node:path';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { FIXTURES, startFixtureOrchestrator, type CapturedLogs } from '../helpers/orchestrator';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const SHELL_EXTENSION = join(__dirname, '..', '..', 'examples', 'layers', 'shell-extension');
const TELEMETRY = join(FIXTURES, '..', 'layers', 'telemetry');

/**
 * External extensions (docs/lifecycle.md) from layers start before the runtime and register; each receives
 * INVOKE for every invocation and SHUTDOWN (spindown) when the reaper removes the context, which
 * first sends the runtime SIGTERM; a Telemetry API subscriber gets platform.report.
 */
describe('extensions, the Shutdown phase and the Telemetry API', () => {
  let orch: StartedOrchestrator;
  let logs: CapturedLogs;
  beforeAll(async () => {
    ({ orch, logs } = await startFixtureOrchestrator(
      { fn: { code: 'sigterm-flush', layers: [SHELL_EXTENSION, TELEMETRY], timeout: 10 } },
      { idleTimeout: 3, reaperInterval: 0.5 },
    ));
  }, 180_000);
  afterAll(() => orch?.stop());

  const lines = () => logs.lines.filter((l) => l.startsWith('fn | ')).map((l) => l.slice(5));

  it('delivers INVOKE to the extension for each invocation, and platform.report to the subscriber', async () => {
    const a = await orch.invoke<{ calls: number }>('fn', {});
    const b = await orch.invoke<{ calls: number }>('fn', {});
    expect(a.functionError).toBeUndefined();
    expect(b.contextId).toBe(a.contextId);
    await waitFor('both INVOKE lines', () => lines().includes(`[log-extension] INVOKE ${b.requestId}`), 30_000);
    const out = lines();
    expect(out.indexOf('[log-extension] registered')).toBeGreaterThanOrEqual(0);
    expect(out.indexOf(`[log-extension] INVOKE ${a.requestId}`)).toBeLessThan(out.indexOf(`[log-extension] INVOKE ${b.requestId}`));
    await waitFor(
      'platform.report at the subscriber',
      () => lines().some((l) => l.startsWith(`[telemetry-probe] platform.report ${a.requestId} maxMemoryUsedMB=`)),
      30_000,
    );
    const report = lines().find((l) => l.startsWith(`[telemetry-probe] platform.report ${a.requestId}`))!;
    expect(Number(report.split('=')[1])).toBeGreaterThan(0);
    // The function's own log line reaches the subscriber as a `function` record.
    await waitFor(
      'a function record at the subscriber',
      () => lines().some((l) => l.startsWith('[telemetry-probe] function record:') && l.includes('handled call 1')),
      30_000,
    );
  });

  it('reaping runs the Shutdown phase: SIGTERM to the runtime, SHUTDOWN spindown to the extensions, in order', async () => {
    const before = (await orch.contexts()).map((c) => c.id);
    await waitFor('the context to be reaped', async () => (await orch.contexts()).every((c) => !before.includes(c.id)), 60_000);
    await waitFor('the Shutdown phase', () => lines().includes('[log-extension] SHUTDOWN spindown'), 30_000);
    await waitFor("the other extension's SHUTDOWN", () => lines().includes('[telemetry-probe] SHUTDOWN spindown'), 10_000);
    await waitFor("the runtime's SIGTERM handler", () => lines().some((l) => l.includes('SIGTERM: flushed')), 30_000);
    const out = lines();
    // The function's SIGTERM handler ran (its console.log line, in Lambda's format) and flushed.
    expect(out.some((l) => l.endsWith('\tINFO\tSIGTERM: flushed after 2 call(s)'))).toBe(true);
    expect(out).toContain('[log-extension] SHUTDOWN spindown');
    expect(out).toContain('[telemetry-probe] SHUTDOWN spindown');
    expect(out.lastIndexOf('[log-extension] INVOKE')).toBeLessThan(out.indexOf('[log-extension] SHUTDOWN spindown'));
  });
});

describe('extensions that are slow or fail', () => {
  let orch: StartedOrchestrator;
  let logs: CapturedLogs;
  const LAYERS = join(FIXTURES, '..', 'layers');
  beforeAll(async () => {
    ({ orch, logs } = await startFixtureOrchestrator({
      slow: { code: 'sigterm-flush', layers: [join(LAYERS, 'slow-extension')], timeout: 10 },
      crashing: { code: 'sigterm-flush', layers: [join(LAYERS, 'crashing-extension')] },
    }));
  }, 180_000);
  afterAll(() => orch?.stop());

  it('an invocation lasts until a slow extension is done: the caller has its answer first, the REPORT counts it all', async () => {
    await orch.invoke('slow', {}); // cold
    // Through the Invoke API without the log tail: the answer comes as soon as the function's does.
    const res = await fetch(`${orch.url}/2015-03-31/functions/slow/invocations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBeNull();
    const requestId = res.headers.get('x-amzn-requestid')!;
    expect(logs.lines).not.toContain(`slow | [slow-extension] done with ${requestId}`); // still at work
    await waitFor("the extension's line", () => logs.lines.includes(`slow | [slow-extension] done with ${requestId}`), 10_000);
    // The REPORT comes once the extension asked for its next event: its 1.5 s count in the Duration.
    await waitFor('the REPORT', () => logs.lines.some((l) => l.startsWith(`slow | REPORT RequestId: ${requestId}`)), 10_000);
    const report = logs.lines.find((l) => l.startsWith(`slow | REPORT RequestId: ${requestId}`))!;
    expect(Number(/\tDuration: ([\d.]+) ms/.exec(report)![1])).toBeGreaterThanOrEqual(1500);
    const next = await orch.invoke('slow', {});
    expect(next.coldStart).toBe(false); // the same context serves on
  });

  it('an extension that dies during the init fails it: INIT_REPORT, Extension.Crash, and the next call tries again', async () => {
    const r = await orch.invoke('crashing', {});
    expect(r.functionError?.errorType).toBe('Extension.Crash');
    expect(r.logTail).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Extension.Crash/);
    const again = await orch.invoke('crashing', {});
    expect(again.functionError?.errorType).toBe('Extension.Crash');
    expect(again.contextId).not.toBe(r.contextId);
  });
});
