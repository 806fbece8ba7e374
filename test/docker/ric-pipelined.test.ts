import { spawn, type ChildProcess } from 'node:child_process';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { containerState, docker, servingContexts, startFixtureOrchestrator, type CapturedLogs } from '../helpers/orchestrator';
import { pipelinedCodeDir, ricBaseImages, ricCodeDir } from '../helpers/ric-fixture';
import { sleep, waitFor } from '../helpers/wait';

/**
 * Runtimes that are not ours, frozen at each GET /next (docs/execution-context.md): AWS's own
 * runtime interface client (aws-lambda-ric 4.x on Node.js 22), and a runtime that sends its GET /next
 * on a second connection while its response POST is still on its way. Every warm call to a context
 * paused after the call before must get its answer, with both cores busy with other work: a pause
 * that lands while a response is still arriving would leave the rest of it in the frozen container,
 * and the call would end in Sandbox.Timedout.
 */
const SEQUENTIAL_CALLS = 200;
const BURSTS = 5;
const BURST_SIZE = 4;
/** A bound of its own for each hog, in case the test dies before it kills them. */
const HOG_MS = 20 * 60_000;

interface Answer {
  echo: { i: number; fn: string; pad?: number };
  requestId: string;
  pad?: string;
}

describe('runtimes not ours: every answer is delivered across freezes, under a CPU hog', () => {
  let orch: StartedOrchestrator;
  let logs: CapturedLogs;
  const hogs: ChildProcess[] = [];

  beforeAll(async () => {
    // Built once per version into the temporary folder (the first run compiles aws-lambda-ric: minutes).
    const [ric, pipelined, baseImages] = await Promise.all([ricCodeDir(), pipelinedCodeDir(), ricBaseImages(docker)]);
    ({ orch, logs } = await startFixtureOrchestrator(
      {
        ric: { code: ric, runtime: 'provided.al2023', timeout: 10 },
        pipelined: { code: pipelined, runtime: 'provided.al2023', timeout: 10 },
      },
      { baseImages },
    ));
    for (let i = 0; i < 2; i++) {
      hogs.push(spawn(process.execPath, ['-e', `const end = Date.now() + ${HOG_MS}; while (Date.now() < end);`], { stdio: 'ignore' }));
    }
  }, 20 * 60_000);

  afterAll(async () => {
    for (const hog of hogs) hog.kill('SIGKILL');
    await orch?.stop();
  });

  /** One call, checked: its answer is the function's, for this event. What went wrong, else undefined. */
  async function call(fn: string, i: number, pad = 0): Promise<string | undefined> {
    const event = { i, fn, ...(pad ? { pad } : {}) };
    const r = await orch.invoke<Answer>(fn, event);
    if (r.functionError) return `call ${i} (${r.requestId}): ${r.functionError.errorType}: ${r.functionError.errorMessage}`;
    const a = r.payload;
    if (a?.requestId !== r.requestId || JSON.stringify(a.echo) !== JSON.stringify(event)) return `call ${i}: wrong answer ${JSON.stringify(a).slice(0, 200)}`;
    if (pad && a.pad?.length !== pad) return `call ${i}: padding of ${a.pad?.length} bytes, not ${pad}`;
    return undefined;
  }

  /** Back to back, some after a short wait so that the pause of the call before has landed. */
  async function sequential(fn: string, padOf: (i: number) => number): Promise<string[]> {
    const failures: string[] = [];
    for (let i = 0; i < SEQUENTIAL_CALLS; i++) {
      const failed = await call(fn, i, padOf(i));
      if (failed) failures.push(failed);
      if (i % 3 !== 0) await sleep(i % 30);
    }
    return failures;
  }

  async function bursts(fn: string, padOf: (i: number) => number): Promise<string[]> {
    const failures: string[] = [];
    for (let b = 0; b < BURSTS; b++) {
      const round = await Promise.all(Array.from({ length: BURST_SIZE }, (_, k) => call(fn, 1000 + b * BURST_SIZE + k, padOf(k))));
      failures.push(...round.filter((f): f is string => f !== undefined));
      await sleep(50);
    }
    return failures;
  }

  async function pausedAfterwards(fn: string): Promise<void> {
    for (const ctx of await servingContexts(orch, fn)) {
      await waitFor(`context ${ctx.id} of ${fn} to be paused`, async () => (await containerState(ctx.containerId!)).Paused);
    }
  }

  it('aws-lambda-ric 4.x: 200 sequential warm calls, each answered', async () => {
    expect(await call('ric', -1)).toBeUndefined(); // the cold start
    const failures = await sequential('ric', () => 0);
    expect(failures).toEqual([]);
    await pausedAfterwards('ric');
    // The handler ran under AWS's client: its lines are in the function's log.
    expect(logs.lines.filter((l) => /^ric \| .*handler end /.test(l)).length).toBeGreaterThanOrEqual(SEQUENTIAL_CALLS);
  }, 15 * 60_000);

  it('aws-lambda-ric 4.x: concurrent bursts, each answered', async () => {
    expect(await bursts('ric', () => 0)).toEqual([]);
  }, 10 * 60_000);

  it('a runtime that pipelines its GET /next behind its response: 200 sequential warm calls, each answered', async () => {
    expect(await call('pipelined', -1)).toBeUndefined();
    // Every other answer big enough (256 KB, 64 KB) that its POST is still being written when the /next goes out.
    const failures = await sequential('pipelined', (i) => [256 * 1024, 0, 64 * 1024, 0][i % 4]);
    expect(failures).toEqual([]);
    await pausedAfterwards('pipelined');
  }, 15 * 60_000);

  it('a runtime that pipelines its GET /next: concurrent bursts, each answered', async () => {
    expect(await bursts('pipelined', (k) => (k % 2 === 0 ? 256 * 1024 : 0))).toEqual([]);
  }, 10 * 60_000);
});
