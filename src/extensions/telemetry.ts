import { apiError, type ApiError } from '../http/api-errors';
import { TelemetryPoster } from './telemetry-post';
import { SubscriberBuffer, type Post } from './telemetry-buffer';
import { platformEvents, streamOf, type TelemetryEvent } from './telemetry-events';
import { parseSubscription } from './telemetry-subscription';
import { systemTimers, type Timers } from './timers';

export interface TelemetryApiOptions {
  timers?: Timers;
  /** The container's address, when known at construction (else `setSandboxAddress`). */
  sandboxAddress?: string;
  /** Replaces the HTTP delivery (tests). */
  post?: Post;
}

/** The subscribe answer: Lambda's body (`"OK"` or its error object) and status. */
export interface SubscribeAnswer {
  status: number;
  body: unknown;
}

/**
 * One context's Telemetry API (PUT /2022-07-01/telemetry): subscriptions made during the init,
 * each with its own buffer, fed by `emit`. `sandbox.localdomain` in a destination is the
 * container's own address, given by `setSandboxAddress`; batches wait for it.
 */
export class TelemetryApi {
  private readonly timers: Timers;
  private readonly subscribers = new Map<string, SubscriberBuffer>();
  private readonly poster: TelemetryPoster | undefined;
  private readonly post: Post;
  private open = true;
  private address: string | undefined;
  private addressWaiters: Array<(address: string) => void> = [];

  constructor(opts: TelemetryApiOptions = {}) {
    this.timers = opts.timers ?? systemTimers;
    this.address = opts.sandboxAddress;
    if (opts.post) this.post = opts.post;
    else {
      this.poster = new TelemetryPoster(() => this.sandboxAddress());
      this.post = this.poster.post;
    }
  }

  setSandboxAddress(address: string): void {
    this.address = address;
    const waiters = this.addressWaiters;
    this.addressWaiters = [];
    for (const w of waiters) w(address);
  }

  /** Subscribers, by extension name. */
  subscriberNames(): string[] {
    return [...this.subscribers.keys()];
  }

  get hasSubscribers(): boolean {
    return this.subscribers.size > 0;
  }

  /** Handles a subscription of `extension` (already identified by the Extensions API). */
  subscribe(extension: string, body: Buffer): SubscribeAnswer {
    if (!this.open) return answer(apiError(403, 'Telemetry.SubscriptionClosed', 'Telemetry API subscription is closed'));
    const parsed = parseSubscription(body);
    if (!parsed.ok) return answer(apiError(400, 'ValidationError', parsed.message));
    this.subscribers.get(extension)?.close(); // a new subscription replaces its earlier one
    const buffer = new SubscriberBuffer(extension, parsed.subscription, this.post, this.timers);
    this.subscribers.set(extension, buffer);
    this.emit(
      platformEvents.telemetrySubscription(this.timers.now(), {
        name: extension,
        state: 'Subscribed',
        types: [...parsed.subscription.types],
      }),
    );
    return { status: 200, body: 'OK' };
  }

  /** Lambda takes subscriptions during the init only. */
  closeSubscriptions(): void {
    this.open = false;
  }

  /** Hands an event to every subscriber of its stream; returns at once, whatever the subscribers do. */
  emit(event: TelemetryEvent): void {
    const stream = streamOf(event);
    for (const s of this.subscribers.values()) {
      if (s.subscription.types.has(stream)) s.push(event);
    }
  }

  /** Sends every buffer now (at Shutdown); resolves once each delivery's attempt is over. */
  async flush(): Promise<void> {
    await Promise.all([...this.subscribers.values()].map((s) => s.flush()));
  }

  close(): void {
    this.open = false;
    for (const s of this.subscribers.values()) s.close();
    this.poster?.close();
    this.addressWaiters = [];
  }

  private sandboxAddress(): Promise<string> {
    if (this.address !== undefined) return Promise.resolve(this.address);
    return new Promise((resolve) => this.addressWaiters.push(resolve));
  }
}

function answer(e: ApiError): SubscribeAnswer {
  return { status: e.status, body: { errorType: e.errorType, errorMessage: e.errorMessage } };
}
