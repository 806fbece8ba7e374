/**
 * Scenario 2: warm invocations back to back with the freeze delayed (settings.freezeDelay), so the
 * context stays thawed between calls, against a plain HTTP round trip to a running container.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { sleep } from '../docker-util';
import { msSince, summarize } from '../stats';
import { scaled, type BenchContext, type ScenarioResult } from '../types';
import { NOOP_CODE } from '../paths';
import { limitsText, piece, WARM_SETTINGS } from '../settings';

export const BACK_TO_BACK_FREEZE_DELAY_MS = 60_000;
const IDLE_GAP_MS = 20;

export async function warmBackToBack(ctx: BenchContext, cpuLimit: boolean): Promise<ScenarioResult> {
  const warmup = scaled(ctx, 100, 20);
  const iterations = scaled(ctx, 1000, 100);
  const limits = { cpuLimit, memorySize: WARM_SETTINGS.memorySize };
  const url = await ctx.orch.start(
    { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: limits.memorySize } },
    { freezeDelay: BACK_TO_BACK_FREEZE_DELAY_MS, cpuLimit },
  );
  const agent = keepAliveAgent();
  const { server } = await ctx.baselines.startServer(cpuLimit);
  try {
    await invoke(url, 'noop', agent); // cold start, not counted
    await ctx.orch.pieces();
    const ours: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
      const t0 = process.hrtime.bigint();
      await invoke(url, 'noop', agent);
      const oursMs = msSince(t0);
      const t1 = process.hrtime.bigint();
      await server.roundTrip();
      const plainMs = msSince(t1);
      if (i >= warmup) {
        ours.push(oursMs);
        plain.push(plainMs);
      }
    }
    const pieces = await ctx.orch.pieces();
    // The same after 20 ms of idleness (no freeze either): what waking idle processes costs here.
    const idleOurs: number[] = [];
    const idlePlain: number[] = [];
    for (let i = 0; i < scaled(ctx, 100, 20); i++) {
      await sleep(IDLE_GAP_MS);
      const t0 = process.hrtime.bigint();
      await invoke(url, 'noop', agent);
      idleOurs.push(msSince(t0));
      await sleep(IDLE_GAP_MS);
      const t1 = process.hrtime.bigint();
      await server.roundTrip();
      idlePlain.push(msSince(t1));
    }
    const idlePieces = await ctx.orch.pieces();
    if (pieces.unpause.length + pieces.pause.length + idlePieces.unpause.length > 0) throw new Error('the context was frozen during the back-to-back run');
    const deliver = pieces.deliver.slice(-iterations);
    const invokeMs = pieces.invoke.slice(-iterations);
    const ourCode = invokeMs.map((v, i) => v - deliver[i]);
    const hop = ours.map((v, i) => v - invokeMs[i]);
    const s = summarize(ours);
    const p = summarize(plain);
    const m = (a: number[]) => summarize(a).median;
    const k = `s2.${cpuLimit}`;
    return {
      facts: {
        [`${k}.ours`]: s.median,
        [`${k}.plain`]: p.median,
        [`${k}.oursP99`]: s.p99,
        [`${k}.plainP99`]: p.p99,
        [`${k}.deliver`]: m(deliver),
        [`${k}.deliverP99`]: summarize(deliver).p99,
        [`${k}.ourCode`]: m(ourCode),
        [`${k}.hop`]: m(hop),
        [`${k}.idleOurs`]: m(idleOurs),
        [`${k}.idlePlain`]: m(idlePlain),
      },
      comparisons: [
        {
          scenario: `2. Warm, back to back (freezeDelay ${BACK_TO_BACK_FREEZE_DELAY_MS} ms; ${limitsText(limits)})`,
          subject: { label: 'orchestrator: Invoke API (HTTP) → runtime → response, no freeze', stats: s },
          baseline: { label: 'plain HTTP round trip to a running container', stats: p },
          target: { text: '≤ +2 ms over the round trip (median)', met: s.median - p.median <= 2 },
        },
      ],
      tables: [
        {
          title: `Scenario 2 (${limitsText(limits)}), where the time goes (median / p99, ms)`,
          header: ['piece', 'median', 'p99', 'measured'],
          rows: [
            piece('plain HTTP round trip (the baseline)', plain, 'bench process'),
            piece('ours: deliver → result (Runtime API hop, runtime, handler)', deliver, 'orchestrator process'),
            piece('ours: the rest of Invoker.invoke (pool, bookkeeping, waiting for the runtime to ask for work)', ourCode, 'Invoker.invoke − deliver'),
            piece('ours: client ↔ Invoke API (HTTP, body, routing, reply)', hop, 'client total − Invoker.invoke'),
            piece(`plain HTTP round trip after ${IDLE_GAP_MS} ms idle`, idlePlain, 'bench process'),
            piece(`ours after ${IDLE_GAP_MS} ms idle (still no freeze): client total`, idleOurs, 'bench process'),
            piece(`ours after ${IDLE_GAP_MS} ms idle: deliver → result`, idlePieces.deliver, 'orchestrator process'),
          ],
        },
      ],
      notes: [
        `Scenario 2 (${limitsText(limits)}): ${iterations} measured invocations after ${warmup} warm-up ones, one client, keep-alive, interleaved with the plain round trips; ` +
          `same limits on both containers (${limitsText(limits)}).`,
      ],
    };
  } finally {
    agent.destroy();
    server.agent.destroy();
    await ctx.baselines.remove(server.container);
    await ctx.orch.stop();
  }
}
