/**
 * Scenario 4: throughput of the no-op function, CLIENTS clients calling back to back, with the new policies (the defaults: freezeGrace, stemContexts) against the
 * same run with them off (freezeGrace 0, stemContexts 0: frozen right after every response).
 * Also the orchestrator's CPU per invocation and its RSS.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { cgroupCpuMs, sleep } from '../docker-util';
import { msSince, summarize } from '../stats';
import type { BenchContext, ScenarioResult, Table, Target } from '../types';
import { NOOP_CODE } from '../paths';
import { TARGETS, WARM_SETTINGS } from '../settings';
import { DEFAULT_SETTINGS } from '../../src/config/settings-table';

export const CLIENTS = [1, 16];
const MODES = [
  {
    key: 'new',
    name: `new policies (defaults: freezeGrace ${DEFAULT_SETTINGS.freezeGrace}, stemContexts ${DEFAULT_SETTINGS.stemContexts})`,
    settings: {},
  },
  {
    key: 'off',
    name: 'new policies off (freezeGrace 0, stemContexts 0, thawAhead false)',
    settings: { freezeGrace: 0, stemContexts: 0, thawAhead: false },
  },
];

export async function throughput(ctx: BenchContext): Promise<ScenarioResult> {
  const seconds = Math.max(1.5, 5 * ctx.scale);
  const table: Table = {
    title: `Scenario 4: throughput, no-op handler (${WARM_SETTINGS.memorySize} MB, cpuLimit ${WARM_SETTINGS.cpuLimit}), clients back to back, ${seconds} s per row`,
    header: [
      'mode',
      'clients',
      'contexts',
      'invocations/s',
      'latency median (ms)',
      'latency p99 (ms)',
      'thaws / freezes',
      'orchestrator CPU (% of one core)',
      'orchestrator CPU per invocation (ms)',
      "contexts' CPU per invocation (ms, cgroup)",
      'orchestrator RSS (MB, max)',
    ],
    rows: [],
  };
  const facts: Record<string, number> = {};
  for (const mode of MODES) {
    const url = await ctx.orch.start(
      { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: WARM_SETTINGS.memorySize } },
      // 16 cold starts at once on a busy machine can outlast the default 10 s init timeout; the warm-up is not what is measured.
      { cpuLimit: WARM_SETTINGS.cpuLimit, initTimeout: 120, ...mode.settings },
    );
    try {
      for (const clients of CLIENTS) {
        const agents = Array.from({ length: clients }, () => keepAliveAgent());
        // Warm-up (not counted): every client's context exists and has served a few calls.
        await Promise.all(
          agents.map(async (a) => {
            for (let i = 0; i < 5; i++) await invoke(url, 'noop', a);
          }),
        );
        await sleep(500); // the background stem boot (if any) is over
        await ctx.orch.pieces();
        const latencies: number[] = [];
        let rssMax = 0;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            rssMax = Math.max(rssMax, (await ctx.orch.usage()).rss);
            await sleep(250);
          }
        })();
        const ids = (await ctx.orch.contexts()).map((r) => r.containerId).filter((id): id is string => id !== null);
        const contextCpu = () => ids.reduce((a, id) => a + (cgroupCpuMs(id) ?? NaN), 0);
        const ctxCpuBefore = contextCpu();
        const before = await ctx.orch.usage();
        const start = process.hrtime.bigint();
        const endAt = Date.now() + seconds * 1000;
        await Promise.all(
          agents.map(async (a) => {
            while (Date.now() < endAt) {
              const t = process.hrtime.bigint();
              await invoke(url, 'noop', a);
              latencies.push(msSince(t));
            }
          }),
        );
        const wallMs = msSince(start);
        const after = await ctx.orch.usage();
        const ctxCpuPer = (contextCpu() - ctxCpuBefore) / latencies.length;
        sampling = false;
        await sampler;
        const pieces = await ctx.orch.pieces();
        rssMax = Math.max(rssMax, after.rss);
        for (const a of agents) a.destroy();
        const contexts = (await ctx.orch.contexts()).length;
        const lat = summarize(latencies);
        const perSecond = latencies.length / (wallMs / 1000);
        const cpuMs = (after.cpuUs - before.cpuUs) / 1000;
        const k = `s4.${mode.key}.${clients}`;
        facts[`${k}.rate`] = perSecond;
        facts[`${k}.cpuMsPerInvocation`] = cpuMs / latencies.length;
        facts[`${k}.rssMb`] = rssMax / (1024 * 1024);
        facts[`${k}.freezes`] = pieces.pause.length;
        facts[`${k}.calls`] = latencies.length;
        facts[`${k}.ctxCpu`] = ctxCpuPer;
        table.rows.push([
          mode.name,
          String(clients),
          String(contexts),
          perSecond.toFixed(0),
          lat.median.toFixed(2),
          lat.p99.toFixed(2),
          `${pieces.unpause.length} / ${pieces.pause.length} (${latencies.length} calls)`,
          ((cpuMs / (after.at - before.at)) * 100).toFixed(1),
          (cpuMs / latencies.length).toFixed(3),
          Number.isFinite(ctxCpuPer) ? ctxCpuPer.toFixed(3) : 'n/a',
          (rssMax / (1024 * 1024)).toFixed(0),
        ]);
        ctx.log(`  ${mode.name}, ${clients} client(s): ${table.rows[table.rows.length - 1].slice(3).join(' | ')}`);
      }
    } finally {
      await ctx.orch.stop();
    }
  }
  const targets: Target[] = [];
  const top = CLIENTS[CLIENTS.length - 1];
  const ratio = facts[`s4.new.${top}.rate`] / facts[`s4.off.${top}.rate`];
  targets.push({
    scenario: `4. Throughput, ${top} clients, no-op: new policies against the same run with them off`,
    text: `≥ ${TARGETS.throughputGain}× the invocations per second`,
    got: `${ratio.toFixed(2)}× (${facts[`s4.new.${top}.rate`].toFixed(0)}/s against ${facts[`s4.off.${top}.rate`].toFixed(0)}/s)`,
    met: ratio >= TARGETS.throughputGain,
  });
  return {
    facts,
    comparisons: [],
    targets,
    tables: [table],
    notes: [
      'Scenario 4: the clients run in the bench process, the orchestrator in a child process of its own (as `orchestrator up`), so its CPU (process.cpuUsage) and RSS are its own; ' +
        'the contexts are created during a warm-up that is not counted; each row keeps the contexts of the row before it. "thaws / freezes" count the docker unpause / pause calls the orchestrator made during the row.',
    ],
  };
}
