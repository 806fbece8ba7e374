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
  private listeners: Array<() => void> = [];

  constructor(
    readonly fn: FunctionConfig,
    readonly provisioned: boolean,
    now: number,
  ) {
    this.lastUsedAt = now;
  }

  get available(): boolean {
    return this.state === 'idle' || this.state === 'frozen';
  }

  /** Fakes are never stems. */
  readonly parked = false;

  claimStem(): boolean {
    return false;
  }

  claim(): boolean {
    if (!this.available) return false;
    this.state = 'busy';
    return true;
  }

  async start(): Promise<void> {}

  /** The invocation finished at `now`; the context freezes. */
  finish(now: number): void {
    this.state = 'frozen';
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
