import { diffConfigs, type ConfigDiff } from '../config/diff';
import type { FunctionConfig, ProjectConfig, Settings } from '../config/types';
import type { ContextPool, PoolMember } from '../context/pool';
import type { ServedConfig } from './served-config';

export interface ReloaderDeps<M extends PoolMember> {
  pool: ContextPool<M>;
  /** Makes sure the runtime images of these functions exist (build) before they are served. */
  prepare(functions: FunctionConfig[]): Promise<void>;
  /** Starts the provisioned contexts and stems these functions miss; resolves when they are ready. */
  replenish(functions: FunctionConfig[]): Promise<unknown>;
  /** Applies the settings that can change while running (idleTimeout, reaperInterval, memoryBudget). */
  applySettings(settings: Settings, changed: (keyof Settings)[]): void;
}

/**
 * Replaces the configuration being served (`orchestrator up --watch`, or the library's reload): a changed or removed function's contexts are retired (in-flight invocations finish on
 * them, then they go; new invocations start new contexts); reloads run one at a time.
 */
export class Reloader<M extends PoolMember> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly served: ServedConfig,
    private readonly deps: ReloaderDeps<M>,
  ) {}

  /** Serves `next` from now on; `codeChanged` names functions whose code folder changed. */
  reload(next: ProjectConfig, codeChanged: Iterable<string> = []): Promise<ConfigDiff> {
    const names = [...codeChanged];
    const run = this.queue.then(() => this.apply(next, names));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(next: ProjectConfig, codeChanged: string[]): Promise<ConfigDiff> {
    const old = this.served.current;
    const diff = diffConfigs(old, next, codeChanged);
    const fresh = [...diff.added, ...diff.changed].map((name) => next.functions.get(name)!);
    await this.deps.prepare(fresh); // a failure leaves everything as it was

    const settings: Settings = { ...old.settings };
    for (const k of diff.liveSettings) (settings as unknown as Record<string, unknown>)[k] = next.settings[k];
    this.served.replace({ ...next, settings });
    if (diff.liveSettings.length > 0) this.deps.applySettings(settings, diff.liveSettings);
    for (const name of [...diff.changed, ...diff.removed]) this.deps.pool.retire(name);
    // More stems per function (stemContexts is live) concern every function, not only the new ones.
    await this.deps.replenish(diff.liveSettings.includes('stemContexts') ? [...this.served.current.functions.values()] : fresh);
    return diff;
  }
}
