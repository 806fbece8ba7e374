import { PassThrough } from 'node:stream';
import { streamLogSink } from '../../src/logging/log-sink';
import { billedDurationMs } from '../../src/logging/report-lines';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { startFixtureOrchestrator, type CapturedLogs } from '../helpers/orchestrator';
import { waitFor } from '../helpers/wait';

/** Lambda's START / function lines / END / REPORT (docs/logs.md). */
describe('log lines, as AWS Lambda writes them', () => {
  let orch: StartedOrchestrator;
  let logs: CapturedLogs;

  beforeAll(async () => {
    ({ orch, logs } = await startFixtureOrchestrator({
      logLines: { code: 'log-lines' },
      holder: { code: 'log-lines', memorySize: 256 },
      noop: { code: 'echo', memorySize: 512 },
      unicode: { code: 'log-flood' },
    }));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
  const REPORT = (id: string, memory: number, init: boolean) =>
    new RegExp(
      `^REPORT RequestId: ${id}\\tDuration: (\\d+\\.\\d{2}) ms\\tBilled Duration: (\\d+) ms\\tMemory Size: ${memory} MB\\tMax Memory Used: (\\d+) MB` +
        (init ? `\\tInit Duration: (\\d+\\.\\d{2}) ms$` : '$'),
    );

  /** The orchestrator's lines about one request, without the function-name prefix. */
  function linesOf(fn: string, requestId: string): string[] {
    return logs.lines.filter((l) => l.startsWith(`${fn} | `) && l.includes(requestId)).map((l) => l.slice(fn.length + 3));
  }

  function report(fn: string, requestId: string): { duration: number; billed: number; maxMemory: number; init?: number } {
    const line = linesOf(fn, requestId).find((l) => l.startsWith('REPORT '))!;
    const m = /Duration: ([\d.]+) ms\tBilled Duration: (\d+) ms\t.*Max Memory Used: (\d+) MB(?:\tInit Duration: ([\d.]+) ms)?/.exec(line)!;
    return { duration: Number(m[1]), billed: Number(m[2]), maxMemory: Number(m[3]), init: m[4] === undefined ? undefined : Number(m[4]) };
  }

  it("START, the function's own lines, END and REPORT, each prefixed with the function name, in order", async () => {
    const cold = await orch.invoke('logLines', {});
    const warm = await orch.invoke('logLines', {});
    for (const [r, init] of [
      [cold, true],
      [warm, false],
    ] as const) {
      const id = r.requestId;
      const lines = linesOf('logLines', id);
      expect(lines).toHaveLength(5);
      expect(lines[0]).toBe(`START RequestId: ${id} Version: $LATEST`);
      expect(lines[1]).toMatch(new RegExp(`^${ISO}\\t${id}\\tINFO\\tfirst line$`));
      expect(lines[2]).toMatch(new RegExp(`^${ISO}\\t${id}\\tINFO\\tsecond line \\{ n: 2 \\}$`));
      expect(lines[3]).toBe(`END RequestId: ${id}`);
      expect(lines[4]).toMatch(REPORT(id, 128, init));
    }
    // Nothing of the second invocation comes before the end of the first.
    const all = logs.lines.filter((l) => l.startsWith('logLines | '));
    const lastOfFirst = all.findIndex((l) => l.startsWith(`logLines | REPORT RequestId: ${cold.requestId}`));
    const firstOfSecond = all.findIndex((l) => l.includes(warm.requestId));
    expect(lastOfFirst).toBeLessThan(firstOfSecond);
    // The log tail holds the same lines.
    expect(warm.logTail.trimEnd().split('\n')).toEqual(linesOf('logLines', warm.requestId));
  });

  it('Init Duration appears on the cold start only', async () => {
    const rs = [];
    for (let i = 0; i < 3; i++) rs.push(await orch.invoke('noop', { i }));
    expect(rs.map((r) => r.coldStart)).toEqual([true, false, false]);
    const [first, ...rest] = rs.map((r) => report('noop', r.requestId));
    expect(first.init).toBeGreaterThan(0);
    expect(first.init).toBeCloseTo(rs[0].initDurationMs!, 1);
    for (const r of rest) expect(r.init).toBeUndefined();
  });

  it('Billed Duration is Duration rounded up to the next millisecond', async () => {
    for (let i = 0; i < 15; i++) {
      const r = await orch.invoke('logLines', {});
      const { duration, billed } = report('logLines', r.requestId);
      expect(billed).toBe(Math.max(1, Math.ceil(duration)));
      expect(duration).toBeCloseTo(r.durationMs, 1);
    }
    // From the Duration as printed: never more than the printed value rounded up.
    expect([0.2, 1, 1.231, 2.001, 2.004, 2.006].map(billedDurationMs)).toEqual([1, 1, 2, 2, 2, 3]);
  });

  it('Max Memory Used is measured from the cgroup: ~60 MB held shows, a no-op is far below memorySize', async () => {
    const holder = await orch.invoke('holder', { holdMb: 60 });
    expect((holder.payload as { heldMb: number }).heldMb).toBe(60);
    const held = report('holder', holder.requestId).maxMemory;
    expect(held).toBeGreaterThanOrEqual(60);
    expect(held).toBeLessThanOrEqual(256);

    const noop = await orch.invoke('noop', {});
    const idle = report('noop', noop.requestId).maxMemory;
    expect(idle).toBeGreaterThan(0);
    expect(idle).toBeLessThan(512 / 4);
    expect(idle).toBeLessThan(held);
  });

  it('X-Amz-Log-Result keeps the last 4 KB of a long log, REPORT included', async () => {
    const r = await orch.invoke('logLines', { manyLines: 200 });
    const tail = r.logTail;
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(tail)).toBeGreaterThan(4000);
    expect(tail).not.toContain('START RequestId');
    expect(tail).toContain('filler line 199');
    expect(tail.trimEnd().split('\n').pop()).toMatch(REPORT(r.requestId, 128, false));
  });

  it("without Tail, END and REPORT still follow on the orchestrator's output", async () => {
    const res = await fetch(`${orch.url}/2015-03-31/functions/logLines/invocations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-amzn-requestid')!;
    await waitFor('its REPORT line', () => linesOf('logLines', id).some((l) => l.startsWith('REPORT'))).catch(() => undefined); // the list below shows what came
    expect(linesOf('logLines', id).map((l) => l.split(' ')[0].split('\t')[0])).toEqual([
      'START',
      expect.stringMatching(new RegExp(`^${ISO}$`)),
      expect.stringMatching(new RegExp(`^${ISO}$`)),
      'END',
      'REPORT',
    ]);
  });

  it('multi-byte characters survive the output stream intact', async () => {
    const r = await orch.invoke('unicode', { unicode: 3000 });
    const lines = linesOf('unicode', r.requestId).filter((l) => l.includes('\tINFO\t'));
    expect(lines).toHaveLength(3000);
    lines.forEach((l, i) => expect(l.endsWith(`\tINFO\théllo wörld ✓ 🚀 ${i}`)).toBe(true));
  });

  it("control characters a function prints reach up's terminal escaped, and the log tail raw", async () => {
    const forged = ['\x1b]0;pwned\x07', '\rREPORT fake'];
    const r = await orch.invoke('logLines', { print: forged });
    for (const text of forged) expect(r.logTail).toContain(text); // what Lambda returns
    const printed = linesOf('logLines', r.requestId).filter((l) => forged.some((f) => l.endsWith(`\tINFO\t${f}`)));
    expect(printed).toHaveLength(2);
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    for (const l of printed) streamLogSink(out).line('logLines', l);
    const shown = chunks.join('');
    expect(shown).toContain('\tINFO\t\\x1b]0;pwned\\x07\n');
    expect(shown).toContain('\tINFO\t\\rREPORT fake\n');
    // eslint-disable-next-line no-control-regex -- the control characters are what is checked for
    expect(shown).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
  });

  it('`orchestrator up` prints each line prefixed with the function name', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    streamLogSink(out).line('hello', 'START RequestId: abc Version: $LATEST');
    expect(chunks.join('')).toBe('hello | START RequestId: abc Version: $LATEST\n');
  });
});
