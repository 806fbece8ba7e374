/**
 * Scenario 1: a warm invocation of a frozen context (the default: frozen right after each
 * response), client to client through the Invoke API over HTTP, against the floor measured in
 * the same run: `docker unpause` of an already-running container of the same image plus one
 * HTTP round trip to the tiny server in it (paused again outside the timed region).
 */
import { invoke, keepAliveAgent } from '../http-client';
import { waitPaused } from '../docker-util';
import { msSince, summarize } from '../stats';
import { scaled, type BenchContext, type ScenarioResult } from '../types';
import { NOOP_CODE } from '../paths';
import { limitsText, piece, WARM_SETTINGS } from '../settings';

export async function warmFrozen(ctx: BenchContext, cpuLimit: boolean): Promise<ScenarioResult & { warmSamples: number[] }> {
  const warmup = scaled(ctx, 10);
  const iterations = scaled(ctx, 150, 20);
  const limits = { cpuLimit, memorySize: WARM_SETTINGS.memorySize };
  const url = await ctx.orch.start(
    { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: limits.memorySize } },
    { freezeDelay: 0, cpuLimit },
  );
  const agent = keepAliveAgent();
  const { server } = await ctx.baselines.startServer(cpuLimit);
  try {
    await invoke(url, 'noop', agent); // cold start, not counted
    const [row] = await ctx.orch.contexts();
    if (!row?.containerId) throw new Error('no context after the first invocation');

    const ours: number[] = [];
    const floor: number[] = [];
    const unpauseAlone: number[] = [];
    const rtAlone: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
      // Ours: the context is frozen before the clock starts.
      await waitPaused(ctx.docker, row.containerId);
      const t0 = process.hrtime.bigint();
      await invoke(url, 'noop', agent);
      const oursMs = msSince(t0);

      // The floor, interleaved so both see the same engine and the same noise; our context's
      // freeze (right after its response) is over before the floor's clock starts, and the floor
      // container is seen paused the same way as ours (inspect, then 5 ms) before its clock starts.
      await waitPaused(ctx.docker, row.containerId);
      await server.pause();
      await waitPaused(ctx.docker, server.container.id);
      const t1 = process.hrtime.bigint();
      await server.unpause();
      const unpauseMs = msSince(t1);
      const t2 = process.hrtime.bigint();
      await server.roundTrip();
      const rtMs = msSince(t2);
      const floorMs = msSince(t1);
      if (i >= warmup) {
        ours.push(oursMs);
        floor.push(floorMs);
        unpauseAlone.push(unpauseMs);
        rtAlone.push(rtMs);
      }
    }
    await waitPaused(ctx.docker, row.containerId);
    // Where our time goes, timed inside the orchestrator process over the same invocations.
    const pieces = await ctx.orch.pieces();
    const last = (a: number[]) => a.slice(-iterations);
    const inner = { unpause: last(pieces.unpause), deliver: last(pieces.deliver), pause: last(pieces.pause), invoke: last(pieces.invoke) };
    const s = summarize(ours);
    const f = summarize(floor);
    const ratio = s.median / f.median;
    const ourCode = inner.invoke.map((v, i) => v - inner.unpause[i] - inner.deliver[i]);
    const hop = ours.map((v, i) => v - inner.invoke[i]);
    const m = (a: number[]) => summarize(a).median;
    const k = `s1.${cpuLimit}`;
    return {
      warmSamples: ours,
      facts: {
        [`${k}.ours`]: s.median,
        [`${k}.floor`]: f.median,
        [`${k}.unpause`]: m(inner.unpause),
        [`${k}.floorUnpause`]: m(unpauseAlone),
        [`${k}.floorRt`]: m(rtAlone),
        [`${k}.deliver`]: m(inner.deliver),
        [`${k}.ourCode`]: m(ourCode),
        [`${k}.hop`]: m(hop),
        [`${k}.pause`]: m(inner.pause),
      },
      comparisons: [
        {
          scenario: `1. Warm, frozen between calls (${limitsText(limits)})`,
          subject: { label: 'orchestrator: Invoke API (HTTP) → thaw → runtime → response', stats: s },
          baseline: { label: 'floor: `docker unpause` + 1 HTTP round trip to a running container', stats: f },
          target: { text: '≤ 1.3× floor (median)', met: ratio <= 1.3 },
        },
      ],
      tables: [
        {
          title: `Scenario 1 (${limitsText(limits)}), where the time goes (median / p99, ms)`,
          header: ['piece', 'median', 'p99', 'measured'],
          rows: [
            piece('floor: `docker unpause` alone', unpauseAlone, 'bench process, dockerode'),
            piece('floor: HTTP round trip alone (after the thaw)', rtAlone, 'bench process'),
            piece('ours: unpause (ContextContainer.unpause)', inner.unpause, 'orchestrator process'),
            piece('ours: deliver → result (Runtime API hop, runtime, handler)', inner.deliver, 'orchestrator process'),
            piece('ours: the rest of Invoker.invoke (pool, bookkeeping, waiting for the runtime to ask for work)', ourCode, 'Invoker.invoke − the two above'),
            piece('ours: client ↔ Invoke API (HTTP, body, routing, reply)', hop, 'client total − Invoker.invoke'),
            piece('ours: pause after the response (not on the client path)', inner.pause, 'orchestrator process'),
          ],
        },
      ],
      notes: [
        `Scenario 1 (${limitsText(limits)}): ${iterations} measured invocations after ${warmup} warm-up ones; before each, the context is seen paused (docker inspect) outside the timed region; ` +
          'the function and the floor container have the same limits.',
      ],
    };
  } finally {
    agent.destroy();
    server.agent.destroy();
    await ctx.baselines.remove(server.container);
    await ctx.orch.stop();
  }
}
