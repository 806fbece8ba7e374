/**
 * `npm run bench`: the bench's targets (bench/settings.ts, TARGETS) and the docker run comparison in
 * one run on one Docker engine, each against a floor measured in the same run, written to BENCHMARKS.md.
 * Scenarios: 0 the engine's and the kernel's freeze floors, 1 warm under steady traffic (freeze
 * policies), 2 warm after idling, 3 cold start (stems on/off), 4 throughput, 5 density and RSS,
 * 6 docker run --rm per invocation. Flags: --quick (fewer iterations, a smoke run), --only 1,3
 * (some scenarios; 0 always runs), --out FILE (default BENCHMARKS.md at the project root).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { loadConfigObject } from '../src/config/load';
import { resolveRuntimeApiAddress } from '../src/engine/host-address';
import { ensureRuntimeImage } from '../src/images/images';
import { Baselines } from './baseline';
import { describeMachine, machineLoad, watchLoad, type LoadSeen } from './machine';
import { compactComparisonTable, renderMarkdown, textTable, targetText } from './markdown';
import { analyse } from './analysis';
import { OrchestratorProcess } from './orchestrator-process';
import { fixturesDir, NOOP_CODE, projectRoot } from './paths';
import { coldStart } from './scenarios/cold-start';
import { density } from './scenarios/density';
import { dockerRunPerInvocation } from './scenarios/docker-run';
import { throughput } from './scenarios/throughput';
import { engineFloors } from './scenarios/engine';
import { warmFrozen } from './scenarios/warm-frozen';
import { warmSteady } from './scenarios/warm-steady';
import { limitsText, WARM_SETTINGS } from './settings';
import type { BenchContext, ScenarioResult } from './types';

function parseArgs(argv: string[]): { quick: boolean; only: Set<number> | undefined; out: string } {
  let quick = false;
  let only: Set<number> | undefined;
  let out = path.join(projectRoot(), 'BENCHMARKS.md');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') quick = true;
    else if (argv[i] === '--only') only = new Set(argv[++i].split(',').map(Number));
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --quick, --only 1,2,3, --out FILE)`);
  }
  return { quick, only, out };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const docker = new Docker();
  const machine = await describeMachine(docker);
  const loadBefore = await machineLoad(docker, []);
  log(`bench: ${machine.nproc} CPU, ${machine.memory}, Docker ${machine.docker}, Node ${machine.node}; ${loadBefore}`);

  // The runtime image, built offline if missing; the raw baselines use the very same image.
  const config = loadConfigObject(
    { functions: { noop: { handler: 'index.handler', code: NOOP_CODE, memorySize: WARM_SETTINGS.memorySize } } },
    fixturesDir(),
  );
  const fn = config.functions.get('noop')!;
  const image = await ensureRuntimeImage(docker, fn.runtime, { base: config.settings.baseImages[fn.runtime], onProgress: log });
  const address = await resolveRuntimeApiAddress(docker, config.settings);
  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const stale = await Baselines.removeStale(docker);
  if (stale > 0) log(`bench: removed ${stale} container(s) left by earlier bench runs that are gone`);
  const baselines = await Baselines.create(docker, image, fn, runId, address);
  const orch = await OrchestratorProcess.spawn();
  const ctx: BenchContext = { docker, orch, baselines, scale: args.quick ? 0.2 : 1, log };

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('bench: interrupted, cleaning up…');
    void cleanup().finally(() => process.exit(130));
  };
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await orch.close().catch((err: Error) => log(`bench: stopping the orchestrator: ${err.message}`));
      // Anything of this run's orchestrators or raw containers still there goes now.
      for (const instance of orch.instanceIds) {
        const left = await docker.listContainers({ all: true, filters: { label: [`orchestrator.instance=${instance}`] } });
        await Promise.allSettled(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
        if (left.length > 0) log(`bench: removed ${left.length} container(s) the orchestrator left`);
      }
      await baselines.removeAll();
      await baselines.close();
    })());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results: ScenarioResult[] = [];
  const want = (n: number) => !args.only || args.only.has(n);
  const loads: string[] = [];
  const seen: LoadSeen[] = [];
  const failures: string[] = [];
  /**
   * Runs one scenario, noting how loaded the machine was meanwhile (others run Docker tests here
   * too). A scenario that fails (on a shared machine, someone else's `orchestrator down` may remove
   * our containers) is run once more; if it fails again, the run goes on without it and says so.
   */
  async function scenario<T extends ScenarioResult>(name: string, body: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      log(attempt === 1 ? name : `${name} (second attempt)`);
      const watch = watchLoad(docker, orch.instanceIds, orch.pid);
      try {
        const r = await body();
        const l = await watch.stop();
        seen.push(l);
        loads.push(`${name}: ${l.text}`);
        return r;
      } catch (err) {
        // Why a container went away: a failed engine call of the orchestrator ends its context.
        const engine = (await orch.pieces().catch(() => undefined))?.failures ?? [];
        const why = engine.length > 0 ? `; engine calls of the orchestrator that failed: ${engine.length} (${engine[0]})` : '';
        const text = `${name}, attempt ${attempt}: ${(err as Error).message.split('\n')[0].trim()}${why}`;
        log(`bench: ${text}`);
        failures.push(text);
        loads.push(`${name} (failed, attempt ${attempt}): ${(await watch.stop()).text}`);
        await orch.stop().catch(() => undefined);
        if (interrupted) break;
      }
    }
    return undefined;
  }
  const push = (r: ScenarioResult | undefined) => void (r && results.push(r));
  try {
    push(await scenario("scenario 0, the engine's and the kernel's freeze floors", () => engineFloors(ctx)));
    if (want(1)) push(await scenario('scenario 1, warm under steady traffic (freeze policies)', () => warmSteady(ctx)));
    let warmSamples: number[] | undefined;
    if (want(2) || want(6)) {
      const r = await scenario('scenario 2, warm after idling (frozen)', () => warmFrozen(ctx));
      warmSamples = r?.warmSamples;
      if (want(2)) push(r);
    }
    if (want(3)) push(await scenario('scenario 3, cold start (stems on and off)', () => coldStart(ctx)));
    if (want(4)) push(await scenario('scenario 4, throughput', () => throughput(ctx)));
    if (want(5)) push(await scenario('scenario 5, density', () => density(ctx)));
    if (want(6) && warmSamples) {
      const warm = {
        label: `orchestrator: warm invocation after idling, frozen (scenario 2, ${limitsText(WARM_SETTINGS)})`,
        samples: warmSamples,
      };
      push(await scenario('scenario 6, docker run --rm per invocation', () => dockerRunPerInvocation(ctx, warm)));
    }
  } finally {
    await cleanup();
  }

  const comparisons = results.flatMap((r) => r.comparisons);
  const targets = results.flatMap((r) => r.targets ?? []);
  const tables = results.flatMap((r) => r.tables);
  process.stdout.write(`\n${textTable(compactComparisonTable(comparisons))}\n\n`);
  for (const t of tables) process.stdout.write(`${textTable(t)}\n\n`);
  for (const c of comparisons) if (c.target) process.stdout.write(`${targetText(c)}  ← ${c.scenario}\n`);
  for (const t of targets) process.stdout.write(`${t.met ? 'MET' : 'MISSED'}: ${t.text}, got ${t.got}  ← ${t.scenario}\n`);

  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const md = renderMarkdown({
    command,
    machine,
    loadBefore,
    loadAfter: await machineLoad(docker, orch.instanceIds),
    loads,
    durationS: (Date.now() - started) / 1000,
    comparisons,
    targets,
    machineFloors: results.flatMap((r) => r.machine ?? []),
    tables,
    notes: [...failures.map((f) => `FAILED (not in the results): ${f}`), ...results.flatMap((r) => r.notes)],
    analysis: [loadSummary(seen), ...analyse(results, { cpus: machine.nproc })],
  });
  writeFileSync(args.out, md);
  process.stdout.write(`\nwrote ${args.out}\n`);
  return 0;
}

const range = (a: number[]) => {
  const [lo, hi] = [Math.min(...a).toFixed(0), Math.max(...a).toFixed(0)];
  return lo === hi ? lo : `${lo}–${hi}`;
};

/** One line on how busy others kept the machine: every figure above should be read with it. */
function loadSummary(seen: LoadSeen[]): string {
  const busy = seen.map((l) => l.busyPct).filter(Number.isFinite);
  const own = seen.map((l) => l.ownPct).filter(Number.isFinite);
  const maxLoad = Math.max(...seen.map((l) => l.maxLoad));
  if (busy.length === 0) return `**Load**: the 1-min load average reached ${maxLoad.toFixed(1)} during the run.`;
  return (
    `**Load during this run**: the CPUs were ${range(busy)}% busy over the scenarios (1-min load up to ${maxLoad.toFixed(1)} on ${availableParallelism()} cores), ` +
    `of which the bench and the orchestrator under test were ${range(own)}%: the rest was other work on the machine (and the engine working for everyone). ` +
    'Engine calls (pause, unpause, create, start, update) and process wake-ups slow down most under such load, and they are on both sides of every comparison; ratios hold up better than absolute figures, but a ratio of two engine calls still moves with it.'
  );
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
