/**
 * `npm run bench`: every scenario of issue 5 in one run on one Docker engine, written to
 * BENCHMARKS.md. Flags: --quick (fewer iterations, for a smoke run), --only 1,3 (some scenarios),
 * --out FILE (default BENCHMARKS.md at the project root).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { loadConfigObject } from '../src/config/load';
import { resolveRuntimeApiAddress } from '../src/docker/host-address';
import { ensureRuntimeImage } from '../src/docker/images';
import { Baselines } from './baseline';
import { describeMachine, machineLoad, watchLoad } from './machine';
import { compactComparisonTable, renderMarkdown, textTable, targetText } from './markdown';
import { analyse } from './analysis';
import { OrchestratorProcess } from './orchestrator-process';
import { fixturesDir, NOOP_CODE, projectRoot } from './paths';
import { coldStart } from './scenarios/cold-start';
import { density } from './scenarios/density';
import { dockerRunPerInvocation } from './scenarios/docker-run';
import { throughput } from './scenarios/throughput';
import { warmBackToBack } from './scenarios/warm-back-to-back';
import { warmFrozen } from './scenarios/warm-frozen';
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
  /** Runs one scenario, noting how loaded the machine was meanwhile (others run Docker tests here too). */
  async function scenario<T extends ScenarioResult>(name: string, body: () => Promise<T>): Promise<T> {
    log(name);
    const watch = watchLoad(docker, orch.instanceIds);
    try {
      return await body();
    } finally {
      loads.push(`${name}: ${await watch.stop()}`);
    }
  }
  try {
    let warmSamples: number[] | undefined;
    for (const cpuLimit of [true, false]) {
      if (want(1) || (want(4) && cpuLimit === WARM_SETTINGS.cpuLimit)) {
        const r = await scenario(`scenario 1, warm, frozen between calls (cpuLimit ${cpuLimit})`, () => warmFrozen(ctx, cpuLimit));
        if (cpuLimit === WARM_SETTINGS.cpuLimit) warmSamples = r.warmSamples;
        if (want(1)) results.push(r);
      }
      if (want(2)) {
        results.push(await scenario(`scenario 2, warm, back to back (cpuLimit ${cpuLimit})`, () => warmBackToBack(ctx, cpuLimit)));
      }
    }
    if (want(3)) {
      results.push(await scenario('scenario 3, cold start', () => coldStart(ctx)));
    }
    if (want(4)) {
      const warm = { label: `orchestrator: warm invocation, frozen between calls (scenario 1, ${limitsText(WARM_SETTINGS)})`, samples: warmSamples! };
      results.push(await scenario('scenario 4, docker run --rm per invocation', () => dockerRunPerInvocation(ctx, warm)));
    }
    if (want(5)) {
      results.push(await scenario('scenario 5, throughput', () => throughput(ctx)));
    }
    if (want(6)) {
      results.push(await scenario('scenario 6, density', () => density(ctx)));
    }
  } finally {
    await cleanup();
  }

  // In scenario order (scenarios 1 and 2 run interleaved, once per CPU setting).
  const num = (s: string) => Number(/(\d+)/.exec(s)?.[1] ?? 99);
  const comparisons = results.flatMap((r) => r.comparisons).sort((a, b) => num(a.scenario) - num(b.scenario));
  const tables = results.flatMap((r) => r.tables).sort((a, b) => num(a.title) - num(b.title));
  process.stdout.write(`\n${textTable(compactComparisonTable(comparisons))}\n\n`);
  for (const t of tables) process.stdout.write(`${textTable(t)}\n\n`);
  for (const c of comparisons) if (c.target) process.stdout.write(`${targetText(c)}  ← ${c.scenario}\n`);

  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const md = renderMarkdown({
    command,
    machine,
    loadBefore,
    loadAfter: await machineLoad(docker, orch.instanceIds),
    loads,
    durationS: (Date.now() - started) / 1000,
    comparisons,
    tables,
    notes: results.flatMap((r) => r.notes),
    analysis: analyse(results),
  });
  writeFileSync(args.out, md);
  process.stdout.write(`\nwrote ${args.out}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
