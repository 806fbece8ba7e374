import * as path from 'node:path';
import type Docker from 'dockerode';
import { loadConfigFile, loadConfigObject } from './config/load';
import type { FunctionConfig, ProjectConfig, RuntimeName } from './config/types';
import { systemClock, type Clock } from './clock';
import { dockerEndpoint, dockerFromEnv } from './engine/client';
import { resolveRuntimeApiAddress } from './engine/host-address';
import { ensureRuntimeImage } from './images/images';
import { newInstanceIdentity, type InstanceIdentity } from './engine/labels';
import { removeOrphanContexts } from './engine/orphans';
import { dockerContextFactory } from './context/context-factory';
import type { ExecutionContext } from './context/execution-context';
import { defaultReaperIntervalMs, IdleReaper } from './context/idle-reaper';
import { ContextPool } from './context/pool';
import { Invoker } from './invocation/invoker';
import { InvokeApiServer } from './invoke-api/server';
import { silentLogSink, type LogSink } from './logging/log-sink';
import { contextRow, type ContextRow, type FunctionStats } from './context/context-row';
import type { ConfigDiff } from './config/diff';
import { ContainerJanitor } from './engine/janitor';
import { ProvisionedConcurrency } from './context/provisioned';
import { Upkeep } from './context/upkeep';
import { StemContexts } from './context/stems';
import { Reloader } from './reload/reloader';
import { StartCounts } from './invocation/start-counts';
import { hostCredentials } from './credentials/host-credentials';

export interface OrchestratorOptions {
  /**
   * A functions.yaml path (relative to `baseDir`; code paths relative to the file), or an object
   * of the same shape (code paths relative to `baseDir`).
   */
  config: string | Record<string, unknown>;
  /** For an AWS SAM / CloudFormation template: values of its Parameters (as `--parameter-overrides`). */
  parameterOverrides?: Record<string, string>;
  /** Defaults to the current directory. */
  baseDir?: string;
  /** Invoke API address; port 0 (the default) picks a free port. */
  host?: string;
  port?: number;
  /** The engine to use; by default the one DOCKER_HOST names, as the Docker CLI reads it. */
  docker?: Docker;
  /** Lambda's log lines (START, function output, END, REPORT); silent by default. */
  logSink?: LogSink;
  /** Image build progress and notices. */
  onProgress?: (line: string) => void;
  clock?: Clock;
}

/** Lambda's error body, as a failed invocation answers it (`Sandbox.Timedout`, `Runtime.ExitError`, ...). */
export interface FunctionErrorBody {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export interface InvokeCallOptions {
  /** Passed to the function as `context.clientContext` (X-Amz-Client-Context). */
  clientContext?: object;
}

/** `T` types the payload for the caller (`orch.invoke<{ count: number }>(...)`); nothing checks it. */
export interface InvokeOutput<T = unknown> {
  requestId: string;
  /** The function's response, parsed from JSON (raw text if it is not JSON); undefined on a function error. */
  payload: T;
  /** Set when the invocation failed: Lambda's error body. */
  functionError?: FunctionErrorBody;
  /** START..REPORT of this invocation (last 4 KB). */
  logTail: string;
  coldStart: boolean;
  durationMs: number;
  initDurationMs?: number;
  contextId: string;
}

/** `invoke()` or `reload()` on an orchestrator that was stopped. */
export class OrchestratorStoppedError extends Error {
  override readonly name = 'OrchestratorStoppedError';
}

/** What `stop()` resolves to: who it was, and nothing that could start a context again. */
export class StoppedOrchestrator {
  constructor(
    readonly url: string,
    readonly instance: InstanceIdentity,
  ) {}
}

/** A running orchestrator: the Invoke API, the pool of contexts and the idle reaper. */
export class StartedOrchestrator {
  private stopping: Promise<StoppedOrchestrator> | undefined;

  constructor(
    readonly url: string,
    readonly instance: InstanceIdentity,
    private readonly parts: {
      api: InvokeApiServer;
      pool: ContextPool<ExecutionContext>;
      reaper: IdleReaper<ExecutionContext>;
      invoker: Invoker;
      stats: StartCounts;
      clock: Clock;
      reloader: Reloader<ExecutionContext>;
      upkeep: Upkeep;
      janitor: ContainerJanitor;
    },
  ) {}

  /** The configuration being served (the latest one `reload` applied). */
  get config(): ProjectConfig {
    return this.parts.reloader.current;
  }

  /**
   * Serves a new configuration (`up --watch` calls it): new invocations of a changed function go
   * to new contexts, in-flight ones finish on the old, which are then removed. `codeChanged` names
   * functions whose code changed with an unchanged configuration.
   */
  async reload(next: ProjectConfig, opts: { codeChanged?: Iterable<string> } = {}): Promise<ConfigDiff> {
    this.assertRunning('reload');
    return this.parts.reloader.reload(next, opts.codeChanged);
  }

  /** Invokes synchronously (RequestResponse), always collecting the log tail. */
  async invoke<T = unknown>(name: string, event: unknown = {}, opts: InvokeCallOptions = {}): Promise<InvokeOutput<T>> {
    this.assertRunning('invoke');
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
      payload: (r.errorType ? undefined : parsed) as T,
      functionError: r.errorType ? (parsed as InvokeOutput['functionError']) : undefined,
      logTail: Buffer.from(r.logTail ?? '', 'base64').toString('utf8'),
      coldStart: r.coldStart,
      durationMs: r.durationMs,
      initDurationMs: r.initDurationMs,
      contextId: r.contextId,
    };
  }

  /** The functions served, validated and defaulted (memorySize, timeout, absolute codeDir, ...). */
  functions(): FunctionConfig[] {
    return [...this.config.functions.values()];
  }

  /** The live execution contexts, as `orchestrator ps` shows them. */
  async contexts(): Promise<ContextRow[]> {
    const now = this.parts.clock.now();
    return Promise.all(this.parts.pool.members().map((c) => contextRow(c, now)));
  }

  stats(): Record<string, FunctionStats> {
    return this.parts.stats.toJSON();
  }

  private assertRunning(what: string): void {
    if (this.stopping) throw new OrchestratorStoppedError(`cannot ${what}: orchestrator ${this.instance.id} is stopped`);
  }

  /**
   * Stops serving and removes every container this orchestrator made, those still being created
   * too; Event retries still waiting are dropped. Idempotent; `invoke` rejects from the first call on.
   */
  stop(): Promise<StoppedOrchestrator> {
    this.stopping ??= (async () => {
      this.parts.reaper.stop();
      this.parts.upkeep.stop();
      this.parts.invoker.close();
      await this.parts.api.close();
      const results = await this.parts.pool.drain();
      const failed = results.filter((r) => r.status === 'rejected');
      // Then whatever is left with this instance's label (removals that failed while the engine was away).
      // Only if that fails too is anything left behind.
      const leftover = await this.parts.janitor.sweep().then(() => undefined, (err: Error) => err);
      if (leftover && failed.length > 0) {
        throw new Error(`${failed.length} context(s) could not be removed: ${String((failed[0] as PromiseRejectedResult).reason)}`);
      }
      if (leftover) throw leftover;
      return new StoppedOrchestrator(this.url, this.instance);
    })();
    return this.stopping;
  }
}

/** Starts an orchestrator: validates the config, cleans up after crashed ones, builds images, serves. */
export async function startOrchestrator(opts: OrchestratorOptions): Promise<StartedOrchestrator> {
  const config =
    typeof opts.config === 'string'
      ? loadConfigFile(path.resolve(opts.baseDir ?? process.cwd(), opts.config), undefined, { parameterOverrides: opts.parameterOverrides })
      : loadConfigObject(opts.config, opts.baseDir ?? process.cwd());
  const docker = opts.docker ?? dockerFromEnv();
  const clock = opts.clock ?? systemClock;
  const progress = opts.onProgress ?? (() => undefined);
  const sink = opts.logSink ?? silentLogSink;
  const { settings } = config;
  for (const w of config.warnings) progress(`warning: ${w}`);

  const info = await docker.info().catch((err: Error) => {
    throw new Error(`Docker engine unreachable at ${dockerEndpoint(docker)}: ${err.message}`);
  });
  const swept = await removeOrphanContexts(docker);
  if (swept.removed.length > 0) progress(`removed ${swept.removed.length} container(s) left by orchestrators that are gone`);

  const images = new Map<RuntimeName, string>();
  const prepare = async (fns: Iterable<FunctionConfig>) => {
    for (const runtime of new Set([...fns].map((f) => f.runtime))) {
      if (images.has(runtime)) continue;
      images.set(runtime, await ensureRuntimeImage(docker, runtime, { base: settings.baseImages[runtime], onProgress: progress }));
    }
  };
  await prepare(config.functions.values());
  const address = await resolveRuntimeApiAddress(docker, settings);
  if (address.warning) progress(`warning: ${address.warning}`);
  const hostBudgetMb = Math.floor(((info as { MemTotal: number }).MemTotal * 0.75) / (1024 * 1024));
  const budgetMb = settings.memoryBudget ?? hostBudgetMb;

  const instance = newInstanceIdentity();
  const factory = dockerContextFactory({
    docker,
    owner: instance,
    settings,
    address,
    imageFor: (fn: FunctionConfig) => images.get(fn.runtime)!,
    sink,
    clock,
    engineCpus: (info as { NCPU?: number }).NCPU ?? 1,
    credentials: settings.credentials === 'host' ? hostCredentials() : async () => ({}),
  });
  const janitor = new ContainerJanitor(docker, instance.id);
  const current = () => reloader.current;
  const pool = new ContextPool<ExecutionContext>(factory, budgetMb, {
    // The next stem boots in the background while the claimed one runs its init.
    onStemClaimed: (fn) => void stems.topUp([fn]),
    onRemovalFailed: (ctx, err) => {
      if (ctx.containerId) janitor.later(ctx.containerId); // removed once the engine answers again
      progress(`could not remove context ${ctx.id} (retrying later): ${(err as Error).message}`);
    },
  });
  const reaperTiming = (s: typeof settings) => {
    const idleTimeoutMs = s.idleTimeout * 1000;
    return { idleTimeoutMs, intervalMs: s.reaperInterval !== null ? s.reaperInterval * 1000 : defaultReaperIntervalMs(idleTimeoutMs) };
  };
  const reaper = new IdleReaper(pool, clock, {
    ...reaperTiming(settings),
    onError: (err) => progress(`reaper: could not remove a context: ${(err as Error).message}`),
  });
  const provisioned = new ProvisionedConcurrency<ExecutionContext>({
    pool,
    ready: async (lease) => {
      await lease.started;
      await lease.ctx.initialized();
    },
    now: () => clock.now(),
    onError: (fn, err) => progress(`${fn}: a provisioned context failed to initialise: ${(err as Error).message}`),
  });
  const stems: StemContexts<ExecutionContext> = new StemContexts<ExecutionContext>({
    pool,
    ready: async (lease) => {
      await lease.started;
      await lease.ctx.whenBooted();
    },
    count: () => current().settings.stemContexts,
    // A stem removed by stop() while it booted is no failure worth a word.
    onError: (fn, err) => void (pool.isClosed || progress(`${fn}: a stem context failed to boot: ${(err as Error).message}`)),
  });
  const reloader: Reloader<ExecutionContext> = new Reloader<ExecutionContext>(config, {
    pool,
    prepare,
    provision: async (fns) => void (await Promise.all([provisioned.topUp(fns), stems.topUp(fns)])),
    applySettings: (s) => {
      reaper.configure(reaperTiming(s));
      pool.setBudget(s.memoryBudget ?? hostBudgetMb);
    },
  });
  const upkeep = new Upkeep(
    clock,
    Math.min(2000, reaperTiming(settings).intervalMs),
    [
      () => janitor.retry(),
      () => pool.evictRetired(),
      () => provisioned.topUp(current().functions.values()),
      () => stems.topUp(current().functions.values()),
    ],
    (err) => progress(`upkeep: ${(err as Error).message}`),
  );
  const stats = new StartCounts();
  const invoker = new Invoker(current, pool, (line) => progress(line), (fn, cold) =>
    stats.record(fn, cold),
  );

  let api: InvokeApiServer;
  try {
    // Stems boot alongside the provisioned contexts: the first cold start already finds one.
    await Promise.all([provision(provisioned, config, progress), stems.topUp(config.functions.values())]);
    api = await InvokeApiServer.listen(opts.host ?? '127.0.0.1', opts.port ?? 0, {
      invoker,
      region: settings.region,
      contexts: async () => {
        const now = clock.now();
        return { contexts: await Promise.all(pool.members().map((c) => contextRow(c, now))), functions: stats.toJSON() };
      },
      onError: (err) => progress(`internal error: ${(err as Error).stack ?? String(err)}`),
    });
  } catch (err) {
    await pool.drain();
    throw err;
  }
  reaper.start();
  upkeep.start();
  return new StartedOrchestrator(api.url, instance, { api, pool, reaper, invoker, stats, clock, reloader, upkeep, janitor });
}

/** provisionedConcurrency: contexts initialised before serving, then frozen. */
async function provision(provisioned: ProvisionedConcurrency<ExecutionContext>, config: ProjectConfig, progress: (l: string) => void) {
  const { started, errors } = await provisioned.topUp(config.functions.values());
  if (errors.length > 0) {
    throw new Error(`provisioned concurrency: ${errors.length} context(s) failed to initialise: ${(errors[0] as Error).message}`);
  }
  if (started > 0) progress(`provisioned ${started} context(s)`);
}
