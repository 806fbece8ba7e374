/**
 * Scenario 1: warm invocations under steady traffic, one client, a call every PERIOD_MS, for each
 * freeze policy (GRACE_POLICIES, settings.freezeGrace; its default among them), against the floor:
 * raw `docker unpause` + one HTTP round trip, sampled in the same scenario before and after each
 * policy's traffic. Traffic comes in bursts; after each, docker inspect is polled until the context
 * shows `Paused` (due within PAUSED_WITHIN_MS of its last response, docs/execution-context.md).
 * Also the orchestrator's CPU per invocation against a trivial HTTP server's, and, for reference, a
 * plain round trip to a running (never paused) raw container at the same cadence.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { sleep } from '../docker-util';
import { ContextTracker } from '../context-tracker';
import { floorSample, timeToPaused } from '../floor';
import { msSince, summarize } from '../stats';
import { scaled, type BenchContext, type Comparison, type ScenarioResult, type Table, type Target } from '../types';
import { NOOP_CODE } from '../paths';
import { DEFAULT_SETTINGS } from '../../src/config/settings-table';
import { PAUSED_WITHIN_MS } from '../../src/context/freeze-timing';
import { limitsText, piece, TARGETS, WARM_SETTINGS } from '../settings';

export const PERIOD_MS = 20;
export const GRACE_POLICIES = [0, 25, 50, 100];
/** The setting's default, from the one table. */
export const DEFAULT_GRACE = DEFAULT_SETTINGS.freezeGrace;
/** Calls at the start of a burst (the first one thaws a frozen context) that are not counted. */
const BURST_WARMUP = 3;

/** Calls `fn` at a fixed rate (a call every `periodMs`; late ones start at once), n times. */
async function atFixedRate(n: number, periodMs: number, fn: (i: number) => Promise<void>): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < n; i++) {
    const wait = start + i * periodMs - Date.now();
    if (wait > 0) await sleep(wait);
    await fn(i);
  }
}

export async function warmSteady(ctx: BenchContext): Promise<ScenarioResult> {
  const bursts = scaled(ctx, 5, 3);
  const perBurst = scaled(ctx, 45, 20);
  const floorBlock = scaled(ctx, 20, 8);
  const comparisons: Comparison[] = [];
  const targets: Target[] = [];
  const tables: Table[] = [];
  const facts: Record<string, number> = {};
  const failures: string[] = [];
  const lost: Record<number, number> = {};
  const policyTable: Table = {
    title: `Scenario 1: freeze policies under steady traffic (one client, a call every ${PERIOD_MS} ms; ${limitsText(WARM_SETTINGS)})`,
    header: [
      'freezeGrace',
      'median (ms)',
      'p99 (ms)',
      'floor median (ms)',
      'ratio',
      'calls that thawed / froze',
      `Paused after the last response (ms; median, max; ${bursts} bursts)`,
      'orchestrator CPU per invocation (ms)',
    ],
    rows: [],
  };
  const { server } = await ctx.baselines.startServer(WARM_SETTINGS.cpuLimit);
  try {
    // Reference: a running raw container, never paused, at the same cadence.
    const plain: number[] = [];
    await atFixedRate(perBurst * 2, PERIOD_MS, async (i) => {
      const t = process.hrtime.bigint();
      await server.roundTrip();
      if (i >= BURST_WARMUP) plain.push(msSince(t));
    });
    facts['s1.plain'] = summarize(plain).median;

    // The CPU floor: the orchestrator's process serving the same client at the same cadence with
    // a trivial HTTP server (body read, `{}` answered), no orchestrator running.
    const echoUrl = await ctx.orch.echoStart();
    const echoAgent = keepAliveAgent();
    try {
      let before = await ctx.orch.usage();
      const echoCalls = perBurst * bursts;
      await atFixedRate(echoCalls + BURST_WARMUP, PERIOD_MS, async (i) => {
        if (i === BURST_WARMUP) before = await ctx.orch.usage();
        await invoke(echoUrl, 'noop', echoAgent);
      });
      const after = await ctx.orch.usage();
      facts['s1.echoCpu'] = (after.cpuUs - before.cpuUs) / 1000 / echoCalls;
      facts['s1.echoCalls'] = echoCalls;
    } finally {
      echoAgent.destroy();
      await ctx.orch.echoStop();
    }

    for (const grace of GRACE_POLICIES) {
      const url = await ctx.orch.start(
        { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: WARM_SETTINGS.memorySize } },
        { cpuLimit: WARM_SETTINGS.cpuLimit, freezeGrace: grace },
      );
      const agent = keepAliveAgent();
      try {
        await invoke(url, 'noop', agent); // cold start, not counted
        const tracked = await ContextTracker.find(ctx.docker, ctx.orch, url, agent);
        const floor: number[] = [];
        const floorUnpause: number[] = [];
        const floorRt: number[] = [];
        const sampleFloor = async () => {
          await tracked.waitPaused();
          for (let i = 0; i < floorBlock; i++) {
            const f = await floorSample(ctx.docker, server);
            floor.push(f.total);
            floorUnpause.push(f.unpause);
            floorRt.push(f.roundTrip);
          }
        };
        await sampleFloor();
        const latencies: number[] = [];
        const counted: boolean[] = [];
        const pausedUpper: number[] = [];
        const pausedLower: number[] = [];
        // The orchestrator's pieces, per burst (calls outside the bursts, such as a lost context's replacement, are left out).
        const pieces = { deliver: [] as number[], invoke: [] as number[], unpause: 0, pauseInBurst: 0, pause: [] as number[] };
        const drain = async (inBurst: boolean) => {
          const p = await ctx.orch.pieces();
          failures.push(...p.failures.map((f) => `freezeGrace ${grace}: ${f}`));
          pieces.pause.push(...p.pause);
          if (!inBurst) return;
          pieces.deliver.push(...p.deliver);
          pieces.invoke.push(...p.invoke);
          pieces.unpause += p.unpause.length;
          pieces.pauseInBurst += p.pause.length;
        };
        let cpuUs = 0;
        let cpuCalls = 0;
        for (let b = 0; b < bursts; b++) {
          await tracked.waitPaused();
          await drain(false);
          let last = process.hrtime.bigint();
          let before = await ctx.orch.usage();
          await atFixedRate(perBurst, PERIOD_MS, async (i) => {
            if (i === BURST_WARMUP) before = await ctx.orch.usage();
            const t = process.hrtime.bigint();
            await invoke(url, 'noop', agent);
            last = process.hrtime.bigint();
            latencies.push(msSince(t));
            counted.push(i >= BURST_WARMUP);
          });
          const after = await ctx.orch.usage();
          cpuUs += after.cpuUs - before.cpuUs;
          cpuCalls += perBurst - BURST_WARMUP;
          await drain(true);
          const p = await tracked.orLost((id) => timeToPaused(ctx.docker, id, last));
          if (p) {
            pausedUpper.push(p.upper);
            pausedLower.push(p.lower);
          }
        }
        await drain(false);
        await sampleFloor();
        lost[grace] = tracked.lost;
        const pick = (a: number[]) => a.filter((_, i) => counted[i]);
        const ours = pick(latencies);
        const deliver = pick(pieces.deliver);
        const invokeMs = pick(pieces.invoke);
        const hop = ours.map((v, i) => v - invokeMs[i]);
        const s = summarize(ours);
        const f = summarize(floor);
        const up = summarize(pausedUpper);
        const cpuPer = cpuUs / 1000 / cpuCalls;
        const isDefault = grace === DEFAULT_GRACE;
        const k = `s1.g${grace}`;
        Object.assign(facts, {
          [`${k}.ours`]: s.median,
          [`${k}.floor`]: f.median,
          [`${k}.floorUnpause`]: summarize(floorUnpause).median,
          [`${k}.floorRt`]: summarize(floorRt).median,
          [`${k}.deliver`]: summarize(deliver).median,
          [`${k}.hop`]: summarize(hop).median,
          [`${k}.thaws`]: pieces.unpause,
          [`${k}.freezes`]: pieces.pauseInBurst,
          [`${k}.lost`]: tracked.lost,
          [`${k}.calls`]: latencies.length,
          [`${k}.pausedMedian`]: up.median,
          [`${k}.pausedMax`]: up.max,
          [`${k}.pausedLowerMax`]: Math.max(...pausedLower),
          [`${k}.pauseMs`]: summarize(pieces.pause).median,
          [`${k}.cpuPer`]: cpuPer,
        });
        comparisons.push({
          scenario: `1. Warm, steady traffic, a call every ${PERIOD_MS} ms (freezeGrace ${grace}${isDefault ? ', the default' : ''}; ${limitsText(WARM_SETTINGS)})`,
          subject: { label: 'orchestrator: Invoke API (HTTP) → runtime → response', stats: s },
          baseline: { label: 'floor: raw `docker unpause` + 1 HTTP round trip', stats: f },
          target: { text: `≤ ${TARGETS.steadyOfFloor}× floor (median)`, met: s.median <= TARGETS.steadyOfFloor * f.median },
        });
        targets.push({
          scenario: `1. Paused after steady traffic stops (freezeGrace ${grace}${isDefault ? ', the default' : ''})`,
          text: `docker inspect shows Paused ≤ ${PAUSED_WITHIN_MS} ms after the last response (every burst)`,
          got: `median ${up.median.toFixed(1)} ms, max ${up.max.toFixed(1)} ms over ${pausedUpper.length} bursts (the inspect before it: ≥ ${Math.max(...pausedLower).toFixed(1)} ms)`,
          met: up.max <= PAUSED_WITHIN_MS,
        });
        if (isDefault) {
          const echo = facts['s1.echoCpu'];
          targets.push({
            scenario: `1. Orchestrator CPU per warm invocation (steady traffic, freezeGrace ${grace})`,
            text: `≤ ${TARGETS.orchestratorCpuMs} ms (process.cpuUsage of the orchestrator process)`,
            got:
              `${cpuPer.toFixed(3)} ms over ${cpuCalls} invocations; the floor, a trivial HTTP server in the same process at the same cadence: ` +
              `${echo.toFixed(3)} ms per request (${(cpuPer / echo).toFixed(1)}× it, for an Invoke API exchange and two Runtime API ones)`,
            met: cpuPer <= TARGETS.orchestratorCpuMs,
          });
          tables.push({
            title: `Scenario 1 (freezeGrace ${grace}), where the time goes (median / p99, ms)`,
            header: ['piece', 'median', 'p99', 'measured'],
            rows: [
              piece('floor: raw `docker unpause` alone', floorUnpause, 'bench process, dockerode'),
              piece('floor: HTTP round trip alone (after the thaw)', floorRt, 'bench process'),
              piece(`plain HTTP round trip to a running raw container, a call every ${PERIOD_MS} ms`, plain, 'bench process'),
              [
                `CPU of a trivial HTTP server per request, a call every ${PERIOD_MS} ms (the CPU floor)`,
                facts['s1.echoCpu'].toFixed(3),
                '',
                `orchestrator process, process.cpuUsage over ${facts['s1.echoCalls']} requests`,
              ],
              piece('ours: deliver → result (Runtime API hop, runtime, handler)', deliver, 'orchestrator process'),
              piece(
                'ours: the rest of Invoker.invoke (pool, bookkeeping, a thaw if any)',
                invokeMs.map((v, i) => v - deliver[i]),
                'Invoker.invoke − deliver',
              ),
              piece('ours: client ↔ Invoke API (HTTP, body, routing, reply)', hop, 'client total − Invoker.invoke'),
              piece('ours: docker pause once the traffic stops (after the grace)', pieces.pause, 'orchestrator process'),
            ],
          });
        }
        policyTable.rows.push([
          `${grace}${isDefault ? ' (default)' : ''}`,
          s.median.toFixed(2),
          s.p99.toFixed(2),
          f.median.toFixed(2),
          `${(s.median / f.median).toFixed(2)}×`,
          `${pieces.unpause} / ${pieces.pauseInBurst} of ${latencies.length}${tracked.lost > 0 ? ` (${tracked.lost} context(s) removed after a refused pause/unpause)` : ''}`,
          `${up.median.toFixed(1)}, ${up.max.toFixed(1)}`,
          cpuPer.toFixed(3),
        ]);
        ctx.log(`  freezeGrace ${grace}: ${policyTable.rows.at(-1)!.slice(1).join(' | ')}`);
      } finally {
        agent.destroy();
        await ctx.orch.stop();
      }
    }
  } finally {
    server.agent.destroy();
    await ctx.baselines.remove(server.container);
  }
  tables.unshift(policyTable);
  facts['s1.failures'] = failures.length;
  facts['s1.bursts'] = bursts;
  return {
    comparisons,
    targets,
    tables,
    facts,
    notes: [
      `Scenario 1: per policy a fresh orchestrator (stems at their default), one cold call not counted, then ${bursts} bursts of ${perBurst} calls at a fixed rate of one per ${PERIOD_MS} ms, each burst starting from a frozen context; ` +
        `the first ${BURST_WARMUP} calls of a burst are not counted (the first one thaws). After each burst docker inspect is polled back to back until it shows Paused: the time is from the client's last response to the first answer that says Paused (an upper bound; the inspect before it bounds it from below). ` +
        (failures.length > 0
          ? `Engine calls of the orchestrator that failed during the traffic: ${failures.length} (${failures[0]}). `
          : '') +
        `The floor (${floorBlock} samples before and ${floorBlock} after each policy's traffic, the context seen paused first) has the same limits; orchestrator CPU is process.cpuUsage of its process over the counted calls.`,
    ],
  };
}
