import type { FunctionConfig } from '../../src/config/types';
import type { ContextState } from '../../src/context/execution-context';
import type { PoolMember } from '../../src/context/pool';

let seq = 0;

/** A pool member with no container: state moves only when a test says so. */
export class FakeMember implements PoolMember {
  readonly id = `fake-${++seq}`;
  state: ContextState = 'initializing';
  lastUsedAt: number;
  destroyed = false;
  /** Invocations claimed and not finished (a test that sets `state = 'busy'` by hand means one). */
  inFlight = 0;
  private listeners: Array<() => void> = [];

  constructor(
    readonly fn: FunctionConfig,
    readonly provisioned: boolean,
    now: number,
    /** Invocations it may run at the same time. */
    readonly slots = 1,
  ) {
    this.lastUsedAt = now;
  }

  get available(): boolean {
    return this.state === 'idle' || this.state === 'frozen';
  }

  get freeSlots(): number {
    if (this.available) return this.slots;
    return this.state === 'busy' ? Math.max(0, this.slots - Math.max(1, this.inFlight)) : 0;
  }

  /** Fakes are never stems. */
  readonly parked = false;

  claimStem(): boolean {
    return false;
  }

  claim(): boolean {
    if (this.freeSlots <= 0) return false;
    this.inFlight = (this.state === 'busy' ? Math.max(1, this.inFlight) : 0) + 1;
    this.state = 'busy';
    return true;
  }

  async start(): Promise<void> {}

  /** An invocation (or the init) finished at `now`; the context freezes once none is in flight. */
  finish(now: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.state = 'frozen';
    this.lastUsedAt = now;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    this.state = 'dead';
    for (const l of this.listeners) l();
  }

  onDeath(listener: () => void): void {
    this.listeners.push(listener);
  }
}

export function fnConfig(name: string, extra: Partial<FunctionConfig> = {}): FunctionConfig {
  return {
    name,
    handler: 'index.handler',
    codeDir: '/nonexistent',
    runtime: 'nodejs20.x',
    memorySize: 128,
    timeout: 3,
    ephemeralStorageSize: 512,
    environment: {},
    layers: [],
    loggingConfig: { logFormat: 'Text' },
    ...extra,
  };
}
