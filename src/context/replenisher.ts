import type { FunctionConfig } from '../config/types';
import type { ContextPool, Lease, PoolMember } from './pool';
import { ProvisionedConcurrency } from './provisioned';
import { StemContexts } from './stems';

export interface ReplenisherDeps<M extends PoolMember> {
  pool: ContextPool<M>;
  /** The functions served now (a reload changes them). */
  functions(): Iterable<FunctionConfig>;
  /** Stems to keep per function (settings.stemContexts, which a reload may change). */
  stemCount(): number;
  now(): number;
  /** Settles when a provisioned context has finished its init (rejects with the init's error). */
  initialized(lease: Lease<M>): Promise<void>;
  /** Settles when a stem has booted and waits to be claimed. */
  booted(lease: Lease<M>): Promise<void>;
  /** A context that failed to initialise or boot, said once. */
  report(line: string): void;
}

export interface Replenished {
  /** Provisioned contexts started, and the errors of those whose init failed. */
  provisioned: number;
  errors: unknown[];
}

/**
 * Keeps every function's provisioned contexts and stems topped up; the only part that starts
 * either. Its callers are the triggers: the start, a cold start that claimed a stem, a reload and
 * the upkeep tick. Provisioned concurrency and stems are its two policies (provisioned.ts, stems.ts).
 */
export class Replenisher<M extends PoolMember> {
  private readonly provisioned: ProvisionedConcurrency<M>;
  private readonly stems: StemContexts<M>;

  constructor(private readonly deps: ReplenisherDeps<M>) {
    const { pool } = deps;
    // A context removed by stop() while it started is no failure worth a word.
    this.provisioned = new ProvisionedConcurrency<M>({
      pool,
      ready: deps.initialized,
      now: deps.now,
      onError: (fn, err) => void (pool.isClosed || deps.report(`${fn}: a provisioned context failed to initialise: ${messageOf(err)}`)),
    });
    this.stems = new StemContexts<M>({
      pool,
      ready: deps.booted,
      count: deps.stemCount,
      onError: (fn, err) => void (pool.isClosed || deps.report(`${fn}: a stem context failed to boot: ${messageOf(err)}`)),
    });
  }

  /**
   * Starts what `functions` (all served ones by default) miss; resolves once the provisioned
   * contexts have initialised and the stems booted (or failed to), never rejects. Stems boot
   * alongside the provisioned contexts: the first cold start already finds one.
   */
  async topUp(functions: Iterable<FunctionConfig> = this.deps.functions()): Promise<Replenished> {
    if (this.deps.pool.isClosed) return { provisioned: 0, errors: [] };
    const fns = [...functions];
    const [{ started, errors }] = await Promise.all([this.provisioned.topUp(fns), this.stems.topUp(fns)]);
    return { provisioned: started, errors };
  }

  /** Before serving: every function's provisioned contexts must initialise, else the start fails. */
  async start(): Promise<number> {
    const { provisioned, errors } = await this.topUp();
    if (errors.length > 0) {
      throw new Error(`provisioned concurrency: ${errors.length} context(s) failed to initialise: ${messageOf(errors[0])}`);
    }
    return provisioned;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
