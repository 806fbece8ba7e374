/**
 * Scenario 3: cold start, the first invocation of a no-op function of the default memory with no warm context, CPU quota on (applied once the init is over, as Lambda's init runs
 * unthrottled), client to client, against a raw create + start of the same image (no CPU quota)
 * until the Node.js process in it answers HTTP. With stem contexts on (the default: a runtime
 * booted ahead of demand and frozen, claimed by the cold start, whose init runs then) and off.
 */
import { invoke, keepAliveAgent } from '../http-client';
import { waitPaused } from '../docker-util';
import { msSince, summarize } from '../stats';
import { scaled, type BenchContext, type Comparison, type ScenarioResult, type Table } from '../types';
import { NOOP_CODE } from '../paths';
import { cpuText, machineCpus, piece, TARGETS, WARM_SETTINGS } from '../settings';

const MEMORY_MB = WARM_SETTINGS.memorySize;
const MODES = [
  { key: 'on', stems: 1, name: 'stems on (default)' },
  { key: 'off', stems: 0, name: 'stems off (stemContexts 0)' },
] as const;

interface Samples {
  ours: number[];
  raw: number[];
  rawCreate: number[];
  rawStartToReady: number[];
  run: number[];
  thaw: number[];
  limitCpu: number[];
  init: number[];
  deliver: number[];
}

export async function coldStart(ctx: BenchContext): Promise<ScenarioResult> {
  const warmup = 1;
  const iterations = scaled(ctx, 10, 3);
  const samples = Object.fromEntries(
    MODES.map((m) => [
      m.key,
      { ours: [], raw: [], rawCreate: [], rawStartToReady: [], run: [], thaw: [], limitCpu: [], init: [], deliver: [] } as Samples,
    ]),
  );
  // Modes interleaved, each cold start followed by a raw one: all see the same engine and noise.
  for (let i = 0; i < warmup + iterations; i++) {
    for (const mode of MODES) {
      const s = samples[mode.key];
      // A fresh orchestrator each time (not timed): no context, nothing cached but the image; with
      // stems, start returns once the stem has booted, and the clock starts once it is frozen.
      const url = await ctx.orch.start(
        { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: MEMORY_MB } },
        { cpuLimit: true, stemContexts: mode.stems },
      );
      const agent = keepAliveAgent();
      const init: number[] = [];
      try {
        if (mode.stems > 0) {
          const stem = (await ctx.orch.contexts()).find((r) => r.state === 'stem' && r.containerId);
          if (!stem?.containerId) throw new Error('no stem context after start');
          await waitPaused(ctx.docker, stem.containerId);
        }
        await ctx.orch.pieces();
        const t0 = process.hrtime.bigint();
        await invoke(url, 'noop', agent);
        const ms = msSince(t0);
        const p = await ctx.orch.pieces();
        init.push(...p.init);
        if (i >= warmup) {
          s.ours.push(ms);
          if (mode.stems > 0) s.thaw.push(...p.unpause.slice(0, 1));
          else s.run.push(...p.containerRun.slice(0, 1));
          s.limitCpu.push(...p.limitCpu.slice(0, 1));
          s.deliver.push(...p.deliver.slice(0, 1));
        }
      } finally {
        agent.destroy();
        await ctx.orch.stop();
      }
      init.push(...(await ctx.orch.pieces()).init); // the REPORT line may come after the response
      const r = await ctx.baselines.startServer(false); // the floor: an unthrottled raw start
      r.server.agent.destroy();
      await ctx.baselines.remove(r.server.container);
      if (i >= warmup) {
        s.init.push(...init.slice(0, 1));
        s.raw.push(r.ms);
        s.rawCreate.push(r.createMs);
        s.rawStartToReady.push(r.startToReadyMs);
      }
    }
  }

  const comparisons: Comparison[] = [];
  const tables: Table[] = [];
  const facts: Record<string, number> = {};
  const limits = `${MEMORY_MB} MB, ${cpuText({ cpuLimit: true, memorySize: MEMORY_MB })} after the init`;
  const rawLabel = 'raw create + start (no CPU quota) until the Node.js process answers HTTP';
  const m = (a: number[]) => (a.length ? summarize(a).median : NaN);
  for (const mode of MODES) {
    const s = samples[mode.key];
    const ours = summarize(s.ours);
    const raw = summarize(s.raw);
    comparisons.push({
      scenario: `3. Cold start, ${mode.name} (${limits})`,
      subject: { label: 'orchestrator: first invocation, no warm context', stats: ours },
      baseline: { label: rawLabel, stats: raw },
      target: {
        text: `≤ +${TARGETS.coldOverRawMs} ms over the raw start (median)`,
        met: ours.median - raw.median <= TARGETS.coldOverRawMs,
      },
    });
    if (mode.stems > 0) {
      comparisons.push({
        scenario: `3. Cold start, ${mode.name} (${limits})`,
        subject: { label: 'orchestrator: first invocation, no warm context', stats: ours },
        baseline: { label: rawLabel, stats: raw },
        target: { text: `≤ ${TARGETS.coldStemOfRaw}× the raw start (median)`, met: ours.median <= TARGETS.coldStemOfRaw * raw.median },
      });
    }
    const k = `s3.${mode.key}`;
    Object.assign(facts, {
      [`${k}.ours`]: ours.median,
      [`${k}.raw`]: raw.median,
      [`${k}.run`]: m(s.run),
      [`${k}.thaw`]: m(s.thaw),
      [`${k}.limitCpu`]: m(s.limitCpu),
      [`${k}.init`]: m(s.init),
      [`${k}.deliver`]: m(s.deliver),
      [`${k}.rawCreate`]: m(s.rawCreate),
      [`${k}.rawStartToReady`]: m(s.rawStartToReady),
    });
    tables.push({
      title: `Scenario 3, ${mode.name} (${limits}), where the time goes (median / p99, ms)`,
      header: ['piece', 'median', 'p99', 'measured'],
      rows: [
        piece('raw: create', s.rawCreate, 'bench process'),
        piece('raw: start → the process in it is up and calls us', s.rawStartToReady, 'bench process'),
        mode.stems > 0
          ? piece('ours: thaw of the claimed stem (ContextContainer.unpause)', s.thaw, 'orchestrator process')
          : piece('ours: create + attach + start (ContextContainer.run)', s.run, 'orchestrator process'),
        piece(
          mode.stems > 0
            ? "ours: Init Duration (the claim → the runtime's first GET /next: loading the function)"
            : "ours: Init Duration (start → the runtime's first GET /next)",
          s.init,
          'REPORT line',
        ),
        piece(
          'ours: docker update setting the CPU quota once the init is over (ContextContainer.limitCpu)',
          s.limitCpu,
          'orchestrator process',
        ),
        piece('ours: deliver → result (the first event, under the quota)', s.deliver, 'orchestrator process'),
      ],
    });
  }
  return {
    comparisons,
    tables,
    facts,
    notes: [
      `Scenario 3: ${iterations} cold starts per mode after ${warmup} warm-up, modes interleaved, each followed by a raw start (no CPU quota: the fastest a container of this image starts). Each on a fresh orchestrator; with stems on, the clock starts once the stem has booted and docker inspect shows it paused (the state a function is in after \`up\` has had a moment). ` +
        `A claimed stem makes the orchestrator boot the next one at once, in the background: that boot competes with the measured cold start for the ${machineCpus()} cores and the engine.`,
    ],
  };
}
