import type Docker from 'dockerode';
import type { Clock } from '../clock';
import type { FunctionConfig, ProjectConfig, Settings } from '../config/types';
import { dockerContextFactory } from '../context/context-factory';
import { contextRow, type ContextRow } from '../context/context-row';
import type { ExecutionContext } from '../context/execution-context';
import { IdleReaper } from '../context/idle-reaper';
import { ContextPool } from '../context/pool';
import { Replenisher } from '../context/replenisher';
import { reaperTiming, upkeepIntervalMs } from '../context/timings';
import { Upkeep } from '../context/upkeep';
import { hostCredentials } from '../credentials/host-credentials';
import type { RuntimeApiAddress } from '../engine/host-address';
import { ContainerJanitor } from '../engine/janitor';
import type { InstanceIdentity } from '../engine/labels';
import { Invoker } from '../invocation/invoker';
import { StartCounts } from '../invocation/start-counts';
import { InvokeApiServer } from '../invoke-api/server';
import type { LogSink } from '../logging/log-sink';
import { Reloader } from '../reload/reloader';
import { ServedConfig } from '../reload/served-config';

/** What the start found out before anything is built: the configuration, the engine, the images. */
export interface Ground {
  config: ProjectConfig;
  docker: Docker;
  /** The engine's memory (bytes) and CPUs, from `docker info`. */
  engine: { memTotal: number; cpus: number };
  address: RuntimeApiAddress;
  instance: InstanceIdentity;
  /** The runtime image of a function, ensured before it is served. */
  imageFor(fn: FunctionConfig): string;
  /** Ensures the runtime images of functions a reload brings. */
  prepare(functions: FunctionConfig[]): Promise<void>;
  sink: LogSink;
  clock: Clock;
  progress(line: string): void;
}

export type Parts = ReturnType<typeof buildParts>;
export type Serving = Parts & { api: InvokeApiServer };

/** A safe share of the Docker host's memory, when settings.memoryBudget does not say (MB). */
function memoryBudgetMb(s: Settings, memTotal: number): number {
  return s.memoryBudget ?? Math.floor((memTotal * 0.75) / (1024 * 1024));
}

/**
 * Builds the parts in the order their data flows: the configuration served, the engine's
 * contexts, the pool, what keeps it (replenisher, reaper, upkeep, reloader), the invoker.
 * Nothing refers to a part built after it.
 */
export function buildParts(g: Ground) {
  const { clock, progress } = g;
  const served = new ServedConfig(g.config);
  const { settings } = g.config; // the restart-only settings stay these
  const factory = dockerContextFactory({
    docker: g.docker,
    owner: g.instance,
    settings,
    address: g.address,
    imageFor: g.imageFor,
    sink: g.sink,
    clock,
    engineCpus: g.engine.cpus,
    credentials: settings.credentials === 'host' ? hostCredentials() : async () => ({}),
  });
  const janitor = new ContainerJanitor(g.docker, g.instance.id);
  const pool = new ContextPool<ExecutionContext>(factory, memoryBudgetMb(settings, g.engine.memTotal), {
    onRemovalFailed: (ctx, err) => {
      if (ctx.containerId) janitor.later(ctx.containerId); // removed once the engine answers again
      progress(`could not remove context ${ctx.id} (retrying later): ${(err as Error).message}`);
    },
  });
  const replenisher = new Replenisher<ExecutionContext>({
    pool,
    functions: () => served.current.functions.values(),
    stemCount: () => served.current.settings.stemContexts,
    now: () => clock.now(),
    initialized: async (lease) => {
      await lease.started;
      await lease.ctx.initialized();
    },
    booted: async (lease) => {
      await lease.started;
      await lease.ctx.whenBooted();
    },
    report: progress,
  });
  // The next stem boots in the background while the claimed one runs its init.
  pool.onStemClaimed((fn) => void replenisher.topUp([fn]));
  const reaper = new IdleReaper(pool, clock, {
    ...reaperTiming(settings),
    onError: (err) => progress(`reaper: could not remove a context: ${(err as Error).message}`),
  });
  const upkeep = new Upkeep(
    clock,
    upkeepIntervalMs(settings),
    [() => janitor.retry(), () => pool.evictRetired(), () => replenisher.topUp()],
    (err) => progress(`upkeep: ${(err as Error).message}`),
  );
  const reloader = new Reloader<ExecutionContext>(served, {
    pool,
    prepare: g.prepare,
    replenish: (fns) => replenisher.topUp(fns),
    applySettings: (s) => {
      reaper.configure(reaperTiming(s));
      upkeep.configure(upkeepIntervalMs(s));
      pool.setBudget(memoryBudgetMb(s, g.engine.memTotal));
    },
  });
  const stats = new StartCounts();
  const invoker = new Invoker(
    () => served.current,
    pool,
    progress,
    (fn, cold) => stats.record(fn, cold),
  );
  const rows = async (): Promise<ContextRow[]> => {
    const now = clock.now();
    return Promise.all(pool.members().map((c) => contextRow(c, now)));
  };
  return { served, pool, janitor, replenisher, reaper, upkeep, reloader, stats, invoker, rows, progress };
}

/**
 * Provisioned contexts initialised and stems booted, then the Invoke API, then the timers. A
 * failure removes whatever was started.
 */
export async function serve(parts: Parts, host: string, port: number): Promise<Serving> {
  const { pool, replenisher, invoker, stats, served, rows, progress } = parts;
  let api: InvokeApiServer;
  try {
    const provisioned = await replenisher.start();
    if (provisioned > 0) progress(`provisioned ${provisioned} context(s)`);
    api = await InvokeApiServer.listen(host, port, {
      invoker,
      region: served.current.settings.region,
      contexts: async () => ({ contexts: await rows(), functions: stats.toJSON() }),
      onError: (err) => progress(`internal error: ${(err as Error).stack ?? String(err)}`),
    });
  } catch (err) {
    await pool.drain();
    throw err;
  }
  parts.reaper.start();
  parts.upkeep.start();
  return { ...parts, api };
}
