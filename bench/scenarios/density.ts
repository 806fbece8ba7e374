/**
 * Scenario 5: density and the orchestrator's RSS. TARGETS.densityContexts concurrent cold
 * invocations bring up as many contexts; once all are frozen,
 * the memory they take on the host (sum of their cgroups, and the drop of MemAvailable); then the
 * time stop() takes to remove them all. A paused raw container of the same image is the floor.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { cgroupMemory, memAvailable, sleep, waitPaused } from '../docker-util';
import { msSince } from '../stats';
import type { BenchContext, ScenarioResult } from '../types';
import { NOOP_CODE } from '../paths';
import { cpuText, TARGETS, WARM_SETTINGS } from '../settings';

export async function density(ctx: BenchContext): Promise<ScenarioResult> {
  const count = Math.max(5, Math.round(TARGETS.densityContexts * Math.min(1, ctx.scale * 2)));
  const mb = (b: number) => (b / (1024 * 1024)).toFixed(1);

  // The floor: one raw container with a Node.js HTTP server, paused.
  const { server } = await ctx.baselines.startServer(WARM_SETTINGS.cpuLimit);
  let floor: Awaited<ReturnType<typeof cgroupMemory>>;
  try {
    await server.pause();
    await sleep(200);
    floor = await cgroupMemory(server.container.id);
  } finally {
    server.agent.destroy();
    await ctx.baselines.remove(server.container);
  }

  const url = await ctx.orch.start(
    { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: WARM_SETTINGS.memorySize } },
    { cpuLimit: WARM_SETTINGS.cpuLimit, initTimeout: 120 },
  );
  let stopMs: number | undefined;
  try {
    await sleep(500);
    const availBefore = await memAvailable();
    const agent = keepAliveAgent(count);
    await ctx.orch.pieces();
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: count }, () => invoke(url, 'noop', agent)));
    const upMs = msSince(t0);
    // A context whose pause failed (the engine's "unable to freeze" under load) is removed by the
    // orchestrator: as many concurrent calls again bring the count back (the frozen ones are reused).
    let refills = 0;
    while (refills < 2 && (await ctx.orch.contexts()).filter((r) => r.state !== 'stem').length < count) {
      refills++;
      await sleep(1000);
      await Promise.all(Array.from({ length: count }, () => invoke(url, 'noop', agent)));
    }
    agent.destroy();
    const rows = await ctx.orch.contexts();
    const starts = (await ctx.orch.stats()).noop ?? { coldStarts: 0, warmStarts: 0 };
    const ids = rows.map((r) => r.containerId).filter((id): id is string => id !== null);
    if (ids.length === 0) throw new Error('no context came up');
    const n = ids.length;
    // Every context must be frozen once its invocation is answered; one that is not is reported.
    let notFrozen = 0;
    for (const id of ids) await waitPaused(ctx.docker, id, 30_000).catch(() => notFrozen++);
    const allFrozenMs = msSince(t0);
    await sleep(500);
    const orchRss = (await ctx.orch.usage()).rss / 2 ** 20;
    const availAfter = await memAvailable();
    // A context that is gone by now (a failed init on a busy machine) has no cgroup left: counted apart.
    const mems = (await Promise.all(ids.map((id) => cgroupMemory(id)))).filter((m) => m !== undefined);
    if (mems.length === 0) throw new Error("cannot read the contexts' cgroups on this host");
    const usage = mems.reduce((a, m) => a + m.usage, 0) / mems.length;
    const rss = mems.reduce((a, m) => a + m.rss, 0) / mems.length;
    const cache = mems.reduce((a, m) => a + m.cache, 0) / mems.length;
    const freeDelta = (availBefore - availAfter) / n;

    const failures = (await ctx.orch.pieces()).failures;
    stopMs = await ctx.orch.stop();
    const left = await ctx.docker.listContainers({
      all: true,
      filters: { label: [`orchestrator.instance=${ctx.orch.instanceIds.at(-1)}`] },
    });
    return {
      targets: [
        {
          scenario: `5. Orchestrator RSS with ${n} frozen contexts`,
          text: `< ${TARGETS.orchestratorRssMb} MB`,
          got: `${orchRss.toFixed(0)} MB${n < TARGETS.densityContexts ? ` (${n} contexts in this run, not ${TARGETS.densityContexts})` : ''}`,
          met: orchRss < TARGETS.orchestratorRssMb && n >= TARGETS.densityContexts && notFrozen === 0,
        },
      ],
      facts: {
        's5.failures': failures.length,
        's5.refills': refills,
        's5.answered': count,
        's5.orchRssMb': orchRss,
        's5.notFrozen': notFrozen,
        's5.n': n,
        's5.upMs': upMs,
        's5.stopMs': stopMs,
        's5.usageMb': usage / 2 ** 20,
        's5.rssMb': rss / 2 ** 20,
        's5.freeMb': freeDelta / 2 ** 20,
      },
      comparisons: [],
      tables: [
        {
          title: `Scenario 5: density, ${count} concurrent invocations of the no-op function (${WARM_SETTINGS.memorySize} MB, ${cpuText(WARM_SETTINGS)})`,
          header: ['measure', 'value'],
          rows: [
            [`bring up: ${count} concurrent invocations of a function with no context, all answered`, `${upMs.toFixed(0)} ms`],
            ['… contexts brought up (cold starts / warm starts among them)', `${n} (${starts.coldStarts} / ${starts.warmStarts})`],
            ...(refills > 0
              ? [[`… rounds of ${count} concurrent calls again, to replace contexts the orchestrator removed`, String(refills)]]
              : []),
            ...(mems.length < n ? [[`… contexts whose cgroup was gone when read (removed meanwhile)`, String(n - mems.length)]] : []),
            [
              `… until all ${n} are frozen (docker inspect)`,
              notFrozen === 0 ? `${allFrozenMs.toFixed(0)} ms` : `${notFrozen} NOT frozen after 30 s (a bug)`,
            ],
            [
              '… engine calls of the orchestrator that failed meanwhile (a failed pause ends its context)',
              failures.length === 0 ? '0' : `${failures.length}, e.g. ${failures[0]}`,
            ],
            [`orchestrator RSS with the ${n} contexts frozen`, `${orchRss.toFixed(0)} MB`],
            [`tear down: stop() removes all ${n}`, `${stopMs.toFixed(0)} ms (${left.length} left)`],
            ['memory per frozen context: cgroup usage (rss + page cache)', `${mb(usage)} MB`],
            ['… of which rss', `${mb(rss)} MB`],
            ['… of which page cache', `${mb(cache)} MB`],
            ['memory per frozen context: host MemAvailable drop / count', `${mb(freeDelta)} MB`],
            [
              'floor: a paused raw container (Node.js HTTP server), cgroup usage / rss',
              floor ? `${mb(floor.usage)} / ${mb(floor.rss)} MB` : 'n/a',
            ],
          ],
        },
      ],
      notes: [
        'Scenario 5: one run (n = 1). Page cache is charged to the cgroup that first reads a file, so per-container cache varies; the MemAvailable drop is host-wide and picks up anything else running on the machine.',
      ],
    };
  } finally {
    if (stopMs === undefined) await ctx.orch.stop();
  }
}
