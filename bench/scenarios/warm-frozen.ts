/**
 * Scenario 2: a warm invocation after idling longer than the freeze grace (the
 * context frozen: seen `Paused` by docker inspect before the clock starts), client to client
 * through the Invoke API, with the default settings, against the floor measured in the same run,
 * interleaved: raw `docker unpause` of an already-paused container of the same image plus one
 * HTTP round trip to the tiny server in it.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { ContextTracker } from '../context-tracker';
import { floorSample } from '../floor';
import { msSince, summarize } from '../stats';
import { scaled, type BenchContext, type ScenarioResult } from '../types';
import { NOOP_CODE } from '../paths';
import { limitsText, piece, TARGETS, WARM_SETTINGS } from '../settings';

export async function warmFrozen(ctx: BenchContext): Promise<ScenarioResult & { warmSamples: number[] }> {
  const warmup = scaled(ctx, 10);
  const iterations = scaled(ctx, 120, 20);
  const limits = WARM_SETTINGS;
  const url = await ctx.orch.start(
    { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: limits.memorySize } },
    { cpuLimit: limits.cpuLimit },
  );
  const agent = keepAliveAgent();
  const { server } = await ctx.baselines.startServer(limits.cpuLimit);
  try {
    await invoke(url, 'noop', agent); // cold start, not counted
    const tracked = await ContextTracker.find(ctx.docker, ctx.orch, url, agent);

    const ours: number[] = [];
    const floor: number[] = [];
    const unpauseAlone: number[] = [];
    const rtAlone: number[] = [];
    // The orchestrator's pieces of the timed calls only (a lost context's replacement call is left out).
    const inner = { unpause: [] as number[], deliver: [] as number[], pause: [] as number[], invoke: [] as number[] };
    const engineFailures: string[] = [];
    let cpuBefore = await ctx.orch.usage();
    let thawed = 0;
    for (let i = 0; i < warmup + iterations; i++) {
      if (i === warmup) {
        await tracked.waitPaused();
        cpuBefore = await ctx.orch.usage();
      }
      // Ours: the context is frozen (its grace long over) before the clock starts.
      await tracked.waitPaused();
      const before = await ctx.orch.pieces();
      const t0 = process.hrtime.bigint();
      await invoke(url, 'noop', agent);
      const oursMs = msSince(t0);
      const p = await ctx.orch.pieces();
      // The floor, interleaved so both see the same engine and the same noise; our context's
      // freeze is over before the floor's clock starts.
      await tracked.waitPaused();
      // The answer may come before Docker's answer to the unpause (see ExecutionContext.thawForWork): its time lands here.
      const late = await ctx.orch.pieces();
      const f = await floorSample(ctx.docker, server);
      if (i >= warmup) {
        engineFailures.push(...before.failures, ...p.failures, ...late.failures);
        inner.pause.push(...before.pause, ...p.pause, ...late.pause);
        ours.push(oursMs);
        floor.push(f.total);
        unpauseAlone.push(f.unpause);
        rtAlone.push(f.roundTrip);
        inner.deliver.push(p.deliver[0] ?? NaN);
        inner.invoke.push(p.invoke[0] ?? NaN);
        const unpause = [...p.unpause, ...late.unpause];
        inner.unpause.push(unpause[0] ?? 0);
        if (unpause.length > 0) thawed++;
      }
    }
    await tracked.waitPaused();
    const cpuAfter = await ctx.orch.usage();
    inner.pause.push(...(await ctx.orch.pieces()).pause);
    const s = summarize(ours);
    const f = summarize(floor);
    const ratio = s.median / f.median;
    // The event is written as the unpause starts (the runtime reads it once its cgroup thaws), so
    // deliver → result overlaps the unpause, and the answer often comes before the unpause returns.
    const ourCode = inner.invoke.map((v, i) => v - inner.deliver[i]);
    const hop = ours.map((v, i) => v - inner.invoke[i]);
    const m = (a: number[]) => summarize(a).median;
    const cpuPer = (cpuAfter.cpuUs - cpuBefore.cpuUs) / 1000 / iterations;
    return {
      warmSamples: ours,
      facts: {
        's2.ours': s.median,
        's2.floor': f.median,
        's2.unpause': m(inner.unpause),
        's2.floorUnpause': m(unpauseAlone),
        's2.floorRt': m(rtAlone),
        's2.deliver': m(inner.deliver),
        's2.ourCode': m(ourCode),
        's2.hop': m(hop),
        's2.pause': m(inner.pause),
        's2.cpuPer': cpuPer,
        's2.lost': tracked.lost,
        's2.thawed': thawed,
      },
      comparisons: [
        {
          scenario: `2. Warm after idling, frozen (${limitsText(limits)}, default settings)`,
          subject: { label: 'orchestrator: Invoke API (HTTP) → thaw → runtime → response', stats: s },
          baseline: { label: 'floor: raw `docker unpause` + 1 HTTP round trip', stats: f },
          target: { text: `≤ ${TARGETS.idleOfFloor}× floor (median)`, met: ratio <= TARGETS.idleOfFloor },
        },
      ],
      tables: [
        {
          title: `Scenario 2 (${limitsText(limits)}), where the time goes (median / p99, ms)`,
          header: ['piece', 'median', 'p99', 'measured'],
          rows: [
            piece('floor: raw `docker unpause` alone', unpauseAlone, 'bench process, dockerode'),
            piece('floor: HTTP round trip alone (after the thaw)', rtAlone, 'bench process'),
            piece('ours: unpause (ContextContainer.unpause; the answer does not wait for it)', inner.unpause, 'orchestrator process'),
            piece(
              'ours: deliver → result (the event written as the unpause starts; the runtime reads it once its cgroup thaws, before Docker answers)',
              inner.deliver,
              'orchestrator process',
            ),
            piece('ours: the rest of Invoker.invoke (pool, bookkeeping, starting the unpause)', ourCode, 'Invoker.invoke − deliver'),
            piece('ours: client ↔ Invoke API (HTTP, body, routing, reply)', hop, 'client total − Invoker.invoke'),
            piece('ours: pause after the grace (not on the client path)', inner.pause, 'orchestrator process'),
            [
              `orchestrator CPU per invocation, thaw and freeze included`,
              cpuPer.toFixed(3),
              '',
              'process.cpuUsage of the orchestrator process',
            ],
          ],
        },
      ],
      notes: [
        `Scenario 2 (${limitsText(limits)}): ${iterations} measured invocations after ${warmup} warm-up ones; before each, the context is seen paused (docker inspect) outside the timed region; ` +
          'the floor is sampled after each of ours, from a raw container with the same limits seen paused the same way. ' +
          `${thawed} of the ${iterations} timed calls thawed the context` +
          (tracked.lost > 0
            ? `; ${tracked.lost} time(s) the orchestrator removed the context after the engine refused a pause or unpause (${engineFailures[0] ?? 'see the log'}), and an uncounted call made a new one.`
            : '.'),
      ],
    };
  } finally {
    agent.destroy();
    server.agent.destroy();
    await ctx.baselines.remove(server.container);
    await ctx.orch.stop();
  }
}
