import type { ConfigDiff } from '../config/diff';
import type { FunctionConfig, ProjectConfig } from '../config/types';
import type { ContextRow, FunctionStats } from '../context/context-row';
import { STOP_FLUSH_MS } from '../context/timings';
import type { InstanceIdentity } from '../engine/labels';
import { OrchestratorStoppedError, StoppedOrchestrator, type InvokeCallOptions, type InvokeOutput } from './types';
import type { Serving } from './wiring';

/** A running orchestrator: the Invoke API, the pool of contexts and the idle reaper. */
export class StartedOrchestrator {
  private stopping: Promise<StoppedOrchestrator> | undefined;

  constructor(
    readonly url: string,
    readonly instance: InstanceIdentity,
    private readonly parts: Serving,
  ) {}

  /** The configuration being served (the latest one `reload` applied). */
  get config(): ProjectConfig {
    return this.parts.served.current;
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
    const fn = this.parts.invoker.fn(name); // resolved once: the invoker takes the function itself
    const r = await this.parts.invoker.invoke(fn, {
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
  contexts(): Promise<ContextRow[]> {
    return this.parts.rows();
  }

  stats(): Record<string, FunctionStats> {
    return this.parts.stats.toJSON();
  }

  private assertRunning(what: string): void {
    if (this.stopping) throw new OrchestratorStoppedError(`cannot ${what}: orchestrator ${this.instance.id} is stopped`);
  }

  /**
   * Stops serving and removes every container this orchestrator made, those still being created
   * too; Event retries still waiting are dropped. Bounded whatever the clients hold open: calls in
   * flight through the Invoke API are answered with ServiceException at once and its sockets are
   * closed. Idempotent; `invoke` rejects from the first call on.
   */
  stop(): Promise<StoppedOrchestrator> {
    this.stopping ??= (async () => {
      const { reaper, upkeep, invoker, api, pool, janitor } = this.parts;
      reaper.stop();
      upkeep.stop();
      invoker.close();
      const closing = api.stop(STOP_FLUSH_MS);
      const results = await pool.drain();
      await closing;
      const failed = results.filter((r) => r.status === 'rejected');
      // Then whatever is left with this instance's label (removals that failed while the engine was away).
      // Only if that fails too is anything left behind.
      const leftover = await janitor.sweep().then(
        () => undefined,
        (err: Error) => err,
      );
      if (leftover && failed.length > 0) {
        throw new Error(`${failed.length} context(s) could not be removed: ${String((failed[0] as PromiseRejectedResult).reason)}`);
      }
      if (leftover) throw leftover;
      return new StoppedOrchestrator(this.url, this.instance);
    })();
    return this.stopping;
  }
}
