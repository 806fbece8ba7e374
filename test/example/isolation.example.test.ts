/**
 * An example to copy: isolation facts of Lambda-style execution contexts, asserted with jest
 * against real Docker containers. In your own project import from 'lambda-context-orchestrator'
 * instead of '../../src', and point `config` at your functions.yaml.
 */
import { startOrchestrator, type StartedOrchestrator } from '../../src';
import { sleep } from '../helpers/wait';

jest.setTimeout(60_000);

let orch: StartedOrchestrator;

beforeAll(async () => {
  // The first run on a machine builds the runtime image (well under a minute); later runs reuse it.
  // It listens on a free port (orch.url), so parallel jest workers each get their own.
  orch = await startOrchestrator({ config: 'functions.yaml', baseDir: __dirname });
}, 180_000);

afterAll(async () => {
  await orch?.stop(); // removes every container this orchestrator made
});

interface Counter {
  invocations: number;
  remembered: unknown;
}

test('a warm context is reused: module-level state survives between invocations', async () => {
  const first = await orch.invoke<Counter>('counter');
  const second = await orch.invoke<Counter>('counter');

  expect(first.coldStart).toBe(true);
  expect(first.initDurationMs).toBeGreaterThan(0);
  expect(second.coldStart).toBe(false);
  expect(second.contextId).toBe(first.contextId);
  expect(second.payload.invocations).toBe(first.payload.invocations + 1);
});

test('/tmp survives between invocations of one context', async () => {
  await orch.invoke('counter', { remember: { token: 'abc' } });
  const later = await orch.invoke<Counter>('counter');

  expect(later.payload.remembered).toEqual({ token: 'abc' });
});

test('concurrent invocations run in separate contexts, each with its own /tmp', async () => {
  // Hold the warm context busy: the second call cannot share it and gets a new, empty one.
  const busy = orch.invoke<Counter>('counter', { holdMs: 1500 });
  await sleep(300);
  const other = await orch.invoke<Counter>('counter');

  expect(other.coldStart).toBe(true);
  expect(other.payload).toEqual({ invocations: 1, remembered: null });
  expect(other.contextId).not.toBe((await busy).contextId);
  // Two contexts served it; a third may be a stem, booted ahead of the next cold start (settings.stemContexts).
  const served = (await orch.contexts()).filter((c) => c.function === 'counter' && c.state !== 'stem');
  expect(served).toHaveLength(2);
});

test('a timeout answers Sandbox.Timedout and ends the context', async () => {
  const r = await orch.invoke('slow', { ms: 5000 }); // timeout: 1

  expect(r.functionError).toEqual({
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${r.requestId} Error: Task timed out after 1.00 seconds`,
  });
  expect(r.durationMs).toBeGreaterThanOrEqual(1000);
  expect(r.durationMs).toBeLessThan(3000);
  expect(r.logTail).toMatch(/REPORT RequestId: \S+\tDuration: [\d.]+ ms/);

  const next = await orch.invoke('slow', { ms: 10 });
  expect(next.functionError).toBeUndefined();
  expect(next.coldStart).toBe(true); // the timed-out context is gone: a new one served this
  expect(next.contextId).not.toBe(r.contextId);
});

test('a function over its memory limit is killed by the cgroup OOM killer: Runtime.ExitError', async () => {
  const r = await orch.invoke('hog', { mb: 512 }); // memorySize: 128, no swap

  expect(r.payload).toBeUndefined();
  expect(r.functionError?.errorType).toBe('Runtime.ExitError');
  expect(r.functionError?.errorMessage).toMatch(/Runtime exited with error: signal: killed/);
  expect(r.logTail).toMatch(/REPORT RequestId: \S+\t.*\tMemory Size: 128 MB/);

  // Within its limit it runs, in a fresh context.
  const ok = await orch.invoke<{ allocatedMb: number }>('hog', { mb: 32 });
  expect(ok.functionError).toBeUndefined();
  expect(ok.payload.allocatedMb).toBe(32);
  expect(ok.coldStart).toBe(true);
});
