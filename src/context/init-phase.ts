import { FunctionError } from '../errors';
import { deferred } from './deferred';
import type { InitExited } from './outcome';

/**
 * A context's Init phase: from the container's start to the runtime's first request for work (or
 * its failure). Settles once; `ready` rejects with the init's error.
 */
export class InitPhase {
  private startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly settled = deferred<void>();
  done = false;
  durationMs: number | undefined;

  constructor(
    private readonly now: () => number,
    private readonly timeoutMs: number,
    private readonly onTimeout: (err: FunctionError) => void,
  ) {
    this.startedAt = now();
    this.settled.promise.catch(() => undefined);
  }

  get ready(): Promise<void> {
    return this.settled.promise;
  }

  /** The container starts now: Lambda's Init Duration and the init timeout count from here. */
  begin(): void {
    this.startedAt = this.now();
    clearTimeout(this.timer);
    const seconds = (this.timeoutMs / 1000).toFixed(2);
    this.timer = setTimeout(
      () => this.onTimeout(new FunctionError('Sandbox.Timedout', `Init phase timed out after ${seconds} seconds`)),
      this.timeoutMs,
    );
    this.timer.unref();
  }

  /** The runtime asked for its first event: the init is over (the caller resolves `ready`). */
  finish(): boolean {
    if (this.done) return false;
    this.done = true;
    clearTimeout(this.timer);
    this.durationMs = this.now() - this.startedAt;
    return true;
  }

  succeed(): void {
    this.settled.resolve();
  }

  fail(err: FunctionError | InitExited): void {
    this.finish();
    this.settled.reject(err);
  }
}
