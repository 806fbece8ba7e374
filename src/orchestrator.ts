import type Docker from 'dockerode';
import { loadConfigFile, loadConfigObject } from './config/load';
import type { FunctionConfig, ProjectConfig, RuntimeName } from './config/types';
import { systemClock, type Clock } from './clock';
import { dockerEndpoint, dockerFromEnv } from './docker/client';
import { resolveRuntimeApiAddress } from './docker/host-address';
import { ensureRuntimeImage } from './docker/images';
import { newInstanceIdentity, type InstanceIdentity } from './docker/labels';
import { removeOrphanContexts } from './docker/orphans';
import { dockerContextFactory } from './context/context-factory';
import type { ExecutionContext } from './context/execution-context';
import { defaultReaperIntervalMs, IdleReaper } from './context/idle-reaper';
import { ContextPool } from './context/pool';
import { Invoker } from './invocation/invoker';
import { InvokeApiServer } from './invoke-api/server';
import { silentLogSink, type LogSink } from './logging/log-sink';
import { contextRow, type ContextRow, type FunctionStats } from './context/context-row';

export interface OrchestratorOptions {
  /** A functions.yaml path, or an object of the same shape (code paths relative to `baseDir`). */
  config: string | Record<string, unknown>;
  baseDir?: string;
  /** Invoke API address; port 0 (the default) picks a free port. */
  host?: string;
  port?: number;
  docker?: Docker;
  /** Lambda's log lines (START, function output, END, REPORT); silent by default. */
  logSink?: LogSink;
  /** Image build progress and notices. */
  onProgress?: (line: string) => void;
  clock?: Clock;
}

export interface InvokeOutput {
  requestId: string;
  /** The function's response, parsed from JSON (raw text if it is not JSON). */
  payload: unknown;
  /** Set when the invocation failed: Lambda's error body. */
  functionError?: { errorType: string; errorMessage: string; trace?: string[] };
  /** START..REPORT of this invocation (last 4 KB). */
  logTail: string;
  coldStart: boolean;
  durationMs: number;
  initDurationMs?: number;
  contextId: string;
}

/** A running orchestrator: the Invoke API, the pool of contexts and the idle reaper. */
export class StartedOrchestrator {
  private stopping: Promise<void> | undefined;

  constructor(
    readonly url: string,
    readonly config: ProjectConfig,
    readonly instance: InstanceIdentity,
    private readonly parts: {
      api: InvokeApiServer;
      pool: ContextPool<ExecutionContext>;
      reaper: IdleReaper<ExecutionContext>;
      invoker: Invoker;
      stats: Map<string, FunctionStats>;
      clock: Clock;
    },
  ) {}

  /** Invokes synchronously (RequestResponse), always collecting the log tail. */
  async invoke(name: string, event: unknown = {}, opts: { clientContext?: object } = {}): Promise<InvokeOutput> {
    const r = await this.parts.invoker.invoke(name, {
      payload: Buffer.from(JSON.stringify(event ?? {})),
      clientContext: opts.clientContext ? JSON.stringify(opts.clientContext) : undefined,
      tail: true,
    });
    const text = r.payload.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return {
      requestId: r.requestId,
      payload: r.errorType ? undefined : parsed,
      functionError: r.errorType ? (parsed as InvokeOutput['functionError']) : undefined,
      logTail: Buffer.from(r.logTail ?? '', 'base64').toString('utf8'),
      coldStart: r.coldStart,
      durationMs: r.durationMs,
      initDurationMs: r.initDurationMs,
      contextId: r.contextId,
    };
  }

  /** The live execution contexts, as `orchestrator ps` shows them. */
  async contexts(): Promise<ContextRow[]> {
    const now = this.parts.clock.now();
    return Promise.all(this.parts.pool.members().map((c) => contextRow(c, now)));
  }

  stats(): Record<string, FunctionStats> {
    return Object.fromEntries(this.parts.stats);
  }

  /** Stops serving and removes every container this orchestrator made; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.parts.reaper.stop();
      await this.parts.api.close();
      const results = await this.parts.pool.drain();
      const failed = results.filter((r) => r.status === 'rejected');
      if (failed.length > 0) throw new Error(`${failed.length} context(s) could not be removed: ${String((failed[0] as PromiseRejectedResult).reason)}`);
    })();
    return this.stopping;
  }
}

/** Starts an orchestrator: validates the config, cleans up after crashed ones, builds images, serves. */
export async function startOrchestrator(opts: OrchestratorOptions): Promise<StartedOrchestrator> {
  const config =
    typeof opts.config === 'string'
      ? loadConfigFile(opts.config)
      : loadConfigObject(opts.config, opts.baseDir ?? process.cwd());
  const docker = opts.docker ?? dockerFromEnv();
  const clock = opts.clock ?? systemClock;
  const progress = opts.onProgress ?? (() => undefined);
  const sink = opts.logSink ?? silentLogSink;
  const { settings } = config;

  const info = await docker.info().catch((err: Error) => {
    throw new Error(`Docker engine unreachable at ${dockerEndpoint()}: ${err.message}`);
  });
  const swept = await removeOrphanContexts(docker);
  if (swept.removed.length > 0) progress(`removed ${swept.removed.length} container(s) left by orchestrators that are gone`);

  const images = new Map<RuntimeName, string>();
  for (const runtime of new Set([...config.functions.values()].map((f) => f.runtime))) {
    images.set(runtime, await ensureRuntimeImage(docker, runtime, { base: settings.baseImages[runtime], onProgress: progress }));
  }
  const address = await resolveRuntimeApiAddress(docker, settings);
  const budgetMb = settings.memoryBudget ?? Math.floor(((info as { MemTotal: number }).MemTotal * 0.75) / (1024 * 1024));

  const instance = newInstanceIdentity();
  const factory = dockerContextFactory({
    docker,
    owner: instance,
    settings,
    address,
    imageFor: (fn: FunctionConfig) => images.get(fn.runtime)!,
    sink,
    clock,
  });
  const pool = new ContextPool<ExecutionContext>(factory, budgetMb);
  const idleTimeoutMs = settings.idleTimeout * 1000;
  const reaper = new IdleReaper(pool, clock, {
    idleTimeoutMs,
    intervalMs: settings.reaperInterval !== null ? settings.reaperInterval * 1000 : defaultReaperIntervalMs(idleTimeoutMs),
    onError: (err) => progress(`reaper: could not remove a context: ${(err as Error).message}`),
  });
  const stats = new Map<string, FunctionStats>();
  const invoker = new Invoker(() => config.functions, pool, (line) => progress(line), (fn, cold) => {
    const s = stats.get(fn) ?? { coldStarts: 0, warmStarts: 0 };
    if (cold) s.coldStarts++;
    else s.warmStarts++;
    stats.set(fn, s);
  });

  let api: InvokeApiServer;
  try {
    await provision(pool, config, progress);
    api = await InvokeApiServer.listen(opts.host ?? '127.0.0.1', opts.port ?? 0, {
      invoker,
      region: settings.region,
      contexts: async () => {
        const now = clock.now();
        return { contexts: await Promise.all(pool.members().map((c) => contextRow(c, now))), functions: Object.fromEntries(stats) };
      },
      onError: (err) => progress(`internal error: ${(err as Error).stack ?? String(err)}`),
    });
  } catch (err) {
    await pool.drain();
    throw err;
  }
  reaper.start();
  return new StartedOrchestrator(api.url, config, instance, { api, pool, reaper, invoker, stats, clock });
}

/** provisionedConcurrency: contexts initialised before serving, then frozen. */
async function provision(pool: ContextPool<ExecutionContext>, config: ProjectConfig, progress: (l: string) => void) {
  const leases = [];
  for (const fn of config.functions.values()) {
    for (let i = 0; i < (fn.provisionedConcurrency ?? 0); i++) leases.push(pool.provision(fn));
  }
  const results = await Promise.allSettled(leases.map(async (l) => {
    await l.started;
    await l.ctx.initialized();
  }));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    throw new Error(`provisioned concurrency: ${failed.length} context(s) failed to initialise: ${(failed[0].reason as Error).message}`);
  }
  if (leases.length > 0) progress(`provisioned ${leases.length} context(s)`);
}
