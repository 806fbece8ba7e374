/** Why a phase's promise gave up: the context moved on (shutdown, close) before it completed. */
export class PhaseAbandoned extends Error {
  constructor(phase: string) {
    super(`extensions: the ${phase} phase was abandoned`);
    this.name = 'PhaseAbandoned';
  }
}

/**
 * One phase's wait (init, an invocation, shutdown): done when every target extension has asked for
 * its next event. Its promise is marked handled, so that a caller who raced it against a timeout
 * and moved on never sees an unhandled rejection.
 */
export class Round {
  readonly promise: Promise<void>;
  private resolveFn!: () => void;
  private rejectFn!: (err: unknown) => void;
  private settled = false;

  constructor(
    readonly phase: 'init' | 'invoke' | 'shutdown',
    private readonly targets: Set<string>,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    this.promise.catch(() => undefined);
    this.check();
  }

  get done(): boolean {
    return this.settled;
  }

  /** Names (ids) still awaited. */
  get pending(): string[] {
    return [...this.targets];
  }

  has(id: string): boolean {
    return this.targets.has(id);
  }

  finished(id: string): void {
    this.targets.delete(id);
    this.check();
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(err);
  }

  end(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn();
  }

  private check(): void {
    if (this.targets.size === 0) this.end();
  }
}
