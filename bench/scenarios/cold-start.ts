/**
 * Scenario 3: cold start, the first invocation of a function with no context (client to client:
 * container create, attach, start, runtime init, the invocation), against a raw create + start
 * of the same image, with the same memory limit and no CPU quota, until the Node.js process in it
 * answers HTTP. Ours runs with the CPU quota (cpuLimit true: 128 MB = 0.072 CPU, applied once the
 * init is over, as Lambda's init runs unthrottled) and without it.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { msSince, summarize } from '../stats';
import { scaled, type BenchContext, type Comparison, type ScenarioResult, type Table } from '../types';
import { NOOP_CODE } from '../paths';
import { cpuText, piece } from '../settings';

const MEMORY_MB = 128;

export async function coldStart(ctx: BenchContext): Promise<ScenarioResult> {
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  const tables: Table[] = [];
  const facts: Record<string, number> = {};
  for (const cpuLimit of [false, true]) {
    const warmup = 1;
    const iterations = scaled(ctx, cpuLimit ? 8 : 12, 3);
    const ours: number[] = [];
    const raw: number[] = [];
    const rawCreate: number[] = [];
    const rawStartToReady: number[] = [];
    const run: number[] = [];
    const init: number[] = [];
    const deliver: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
      // A fresh orchestrator each time (not timed): no context, nothing cached but the image.
      const url = await ctx.orch.start(
        { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: MEMORY_MB } },
        { freezeDelay: 0, cpuLimit },
      );
      const agent = keepAliveAgent();
      try {
        const t0 = process.hrtime.bigint();
        await invoke(url, 'noop', agent);
        const ms = msSince(t0);
        if (i >= warmup) ours.push(ms);
      } finally {
        agent.destroy();
        await ctx.orch.stop();
      }
      const p = await ctx.orch.pieces();
      const r = await ctx.baselines.startServer(false); // the floor: an unthrottled raw start
      r.server.agent.destroy();
      await ctx.baselines.remove(r.server.container);
      if (i >= warmup) {
        raw.push(r.ms);
        rawCreate.push(r.createMs);
        rawStartToReady.push(r.startToReadyMs);
        run.push(...p.containerRun.slice(-1));
        init.push(...p.init.slice(-1));
        deliver.push(...p.deliver.slice(-1));
      }
    }
    const s = summarize(ours);
    const r = summarize(raw);
    const limits = `${MEMORY_MB} MB, ${cpuText({ cpuLimit, memorySize: MEMORY_MB })}`;
    comparisons.push({
      scenario: `3. Cold start (${limits})`,
      subject: { label: 'orchestrator: first invocation, no context', stats: s },
      baseline: { label: 'raw create + start (no CPU quota) until the Node.js process answers HTTP', stats: r },
      target: { text: '≤ +50 ms over raw start (median)', met: s.median - r.median <= 50 },
    });
    const m = (a: number[]) => summarize(a).median;
    Object.assign(facts, {
      [`s3.${cpuLimit}.ours`]: s.median,
      [`s3.${cpuLimit}.raw`]: r.median,
      [`s3.${cpuLimit}.run`]: m(run),
      [`s3.${cpuLimit}.init`]: m(init),
      [`s3.${cpuLimit}.deliver`]: m(deliver),
      [`s3.${cpuLimit}.rawCreate`]: m(rawCreate),
      [`s3.${cpuLimit}.rawStartToReady`]: m(rawStartToReady),
    });
    tables.push({
      title: `Scenario 3 (${limits}), where the time goes (median / p99, ms)`,
      header: ['piece', 'median', 'p99', 'measured'],
      rows: [
        piece('raw: create', rawCreate, 'bench process'),
        piece('raw: start → the process in it is up and calls us', rawStartToReady, 'bench process'),
        piece('ours: create + attach + start (ContextContainer.run)', run, 'orchestrator process'),
        piece('ours: Init Duration (start → the runtime\'s first GET /next)', init, 'REPORT line'),
        piece('ours: deliver → result (the first event)', deliver, 'orchestrator process'),
      ],
    });
    notes.push(`Scenario 3 (${limits}): ${iterations} cold starts each after ${warmup} warm-up, ours and raw interleaved.`);
  }
  return { comparisons, tables, notes, facts };
}
