import { platformEvents, type TelemetryEvent } from './telemetry-events';
import type { Subscription } from './telemetry-subscription';
import type { Timers } from './timers';

/** POSTs one batch (a JSON array) to a destination; true when the subscriber took it (2xx). Never rejects. */
export type Post = (uri: URL, body: string) => Promise<boolean>;

const BACKOFF_MS = { first: 100, max: 5_000 } as const;

/**
 * One subscriber's buffer: events are batched and POSTed when `maxItems` or `maxBytes` is reached
 * or `timeoutMs` after the first one, one batch in flight at a time. A failed batch is retried
 * with backoff (Lambda retries until the listener answers); meanwhile at most `maxItems` events
 * and `maxBytes` are kept, the rest dropped and reported by a `platform.logsDropped` event. Nothing
 * here throws or waits for the subscriber on the emitter's behalf.
 */
export class SubscriberBuffer {
  private items: string[] = [];
  private bytes = 0;
  private dropped = { records: 0, bytes: 0 };
  private sending = false;
  private closed = false;
  private cancelTimer: (() => void) | undefined;
  private cancelBackoff: (() => void) | undefined;
  private attemptListeners: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly subscription: Subscription,
    private readonly post: Post,
    private readonly timers: Timers,
  ) {}

  /** Events waiting in the buffer (not counting a batch in flight). */
  get buffered(): number {
    return this.items.length;
  }

  push(event: TelemetryEvent): void {
    if (this.closed) return;
    const text = JSON.stringify(event);
    const size = Buffer.byteLength(text);
    const { maxItems, maxBytes } = this.subscription.buffering;
    if (this.items.length >= maxItems || this.bytes >= maxBytes) {
      this.dropped.records++;
      this.dropped.bytes += size;
      return;
    }
    this.items.push(text);
    this.bytes += size;
    if (this.sending) return;
    if (this.full()) this.send();
    else this.cancelTimer ??= this.timers.setTimeout(() => this.send(), this.subscription.buffering.timeoutMs);
  }

  /**
   * Sends what is buffered now (a batch waiting out a retry's backoff is retried at once); resolves
   * once that attempt is over, delivered or not.
   */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.sending) this.send();
    if (!this.sending) return Promise.resolve();
    const attempted = new Promise<void>((resolve) => this.attemptListeners.push(resolve));
    this.cancelBackoff?.();
    return attempted;
  }

  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelBackoff?.();
    this.items = [];
    this.bytes = 0;
    this.notifyAttempt();
  }

  private full(): boolean {
    const { maxItems, maxBytes } = this.subscription.buffering;
    return this.items.length >= maxItems || this.bytes >= maxBytes;
  }

  private send(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.sending || this.closed || (this.items.length === 0 && this.dropped.records === 0)) return;
    const batch = this.items;
    if (this.dropped.records > 0) {
      const note = platformEvents.logsDropped(this.timers.now(), {
        droppedRecords: this.dropped.records,
        droppedBytes: this.dropped.bytes,
        reason: 'Consumer seems to have fallen behind as it has not acknowledged receipt of logs.',
      });
      batch.unshift(JSON.stringify(note));
      this.dropped = { records: 0, bytes: 0 };
    }
    this.items = [];
    this.bytes = 0;
    this.sending = true;
    void this.deliver(`[${batch.join(',')}]`);
  }

  private async deliver(body: string): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const ok = await this.post(this.subscription.uri, body).catch(() => false);
      this.notifyAttempt();
      if (ok || this.closed) break;
      await this.backoff(Math.min(BACKOFF_MS.first * 2 ** attempt, BACKOFF_MS.max));
    }
    this.sending = false;
    if (this.closed) return;
    if (this.full()) this.send();
    else if (this.items.length > 0) this.cancelTimer ??= this.timers.setTimeout(() => this.send(), this.subscription.buffering.timeoutMs);
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.timers.setTimeout(() => {
        this.cancelBackoff = undefined;
        resolve();
      }, ms);
      this.cancelBackoff = () => {
        this.cancelBackoff = undefined;
        cancel();
        resolve();
      };
    });
  }

  private notifyAttempt(): void {
    const listeners = this.attemptListeners;
    this.attemptListeners = [];
    for (const l of listeners) l();
  }
}
