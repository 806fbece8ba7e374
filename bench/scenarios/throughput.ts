/**
 * Scenario 5: throughput with 1, 4 and 16 concurrent clients (each a closed loop: the next
 * request when the previous answer arrives) on the no-op handler, in the default mode (frozen
 * between calls) and with the freeze delayed; and the orchestrator process's own CPU and RSS.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { sleep } from '../docker-util';
import { msSince, summarize } from '../stats';
import type { BenchContext, ScenarioResult, Table } from '../types';
import { NOOP_CODE } from '../paths';
import { BACK_TO_BACK_FREEZE_DELAY_MS } from './warm-back-to-back';
import { WARM_SETTINGS } from '../settings';

const CLIENTS = [1, 4, 16];

export async function throughput(ctx: BenchContext): Promise<ScenarioResult> {
  const seconds = Math.max(1, 4 * ctx.scale);
  const table: Table = {
    title: `Scenario 5: throughput, no-op handler (${WARM_SETTINGS.memorySize} MB, cpuLimit ${WARM_SETTINGS.cpuLimit}), ${seconds} s per row`,
    header: ['mode', 'clients', 'contexts', 'invocations/s', 'latency median (ms)', 'latency p99 (ms)', 'orchestrator CPU (% of one core)', 'orchestrator CPU per invocation (ms)', 'orchestrator RSS (MB, max)'],
    rows: [],
  };
  const modes = [
    { key: 'frozen', name: 'frozen between calls (default)', freezeDelay: 0 },
    { key: 'b2b', name: `back to back (freezeDelay ${BACK_TO_BACK_FREEZE_DELAY_MS} ms)`, freezeDelay: BACK_TO_BACK_FREEZE_DELAY_MS },
  ];
  const facts: Record<string, number> = {};
  for (const mode of modes) {
    const url = await ctx.orch.start(
      { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: WARM_SETTINGS.memorySize } },
      { freezeDelay: mode.freezeDelay, cpuLimit: WARM_SETTINGS.cpuLimit },
    );
    try {
      for (const clients of CLIENTS) {
        const agents = Array.from({ length: clients }, () => keepAliveAgent());
        // Warm-up (not counted): every client's context exists and has served a few calls.
        await Promise.all(agents.map(async (a) => {
          for (let i = 0; i < 5; i++) await invoke(url, 'noop', a);
        }));
        const latencies: number[] = [];
        let rssMax = 0;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            rssMax = Math.max(rssMax, (await ctx.orch.usage()).rss);
            await sleep(250);
          }
        })();
        const before = await ctx.orch.usage();
        const start = process.hrtime.bigint();
        const endAt = Date.now() + seconds * 1000;
        await Promise.all(agents.map(async (a) => {
          while (Date.now() < endAt) {
            const t = process.hrtime.bigint();
            await invoke(url, 'noop', a);
            latencies.push(msSince(t));
          }
        }));
        const wallMs = msSince(start);
        const after = await ctx.orch.usage();
        sampling = false;
        await sampler;
        rssMax = Math.max(rssMax, after.rss);
        for (const a of agents) a.destroy();
        const contexts = (await ctx.orch.contexts()).length;
        const lat = summarize(latencies);
        const perSecond = latencies.length / (wallMs / 1000);
        const cpuMs = (after.cpuUs - before.cpuUs) / 1000;
        facts[`s5.${mode.key}.${clients}.rate`] = perSecond;
        facts[`s5.${mode.key}.${clients}.cpuMsPerInvocation`] = cpuMs / latencies.length;
        facts[`s5.${mode.key}.${clients}.rssMb`] = rssMax / (1024 * 1024);
        table.rows.push([
          mode.name,
          String(clients),
          String(contexts),
          perSecond.toFixed(0),
          lat.median.toFixed(2),
          lat.p99.toFixed(2),
          ((cpuMs / (after.at - before.at)) * 100).toFixed(1),
          (cpuMs / latencies.length).toFixed(2),
          (rssMax / (1024 * 1024)).toFixed(0),
        ]);
        ctx.log(`  ${mode.name}, ${clients} client(s): ${table.rows[table.rows.length - 1].slice(3).join(' | ')}`);
      }
    } finally {
      await ctx.orch.stop();
    }
  }
  return {
    facts,
    comparisons: [],
    tables: [table],
    notes: [
      'Scenario 5: the clients run in the bench process, the orchestrator in a child process of its own (as `orchestrator up`), so its CPU (process.cpuUsage) and RSS are its own; ' +
        'the contexts are created during a warm-up that is not counted; each row keeps the contexts of the previous rows (at most 16 live).',
    ],
  };
}
