import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { sendJson } from '../http/replies';
import { ExtensionFailure, type ExtensionFailureType } from './errors';
import { Registry, type ExtensionRecord } from './registry';
import { PhaseAbandoned, Round } from './rounds';
import type { TelemetryApi } from './telemetry';
import { platformEvents } from './telemetry-events';
import type { Timers } from './timers';
import type { ExtensionEvent, InvokeInput, ShutdownReason } from './types';
import { HEADERS } from './wire';

export interface ShutdownResult {
  /** Extensions that had not asked for their next event by the deadline. */
  pending: string[];
}

export interface LifecycleOptions {
  /** Basenames of the executables in /opt/extensions: the external extensions the launcher starts. */
  externalNames: readonly string[];
  /** Lambda tells external from internal by the process's file in /opt/extensions; default: `externalNames`. */
  isExternal?: (name: string) => boolean;
  telemetry: TelemetryApi;
  timers: Timers;
}

/**
 * The phases one context runs its extensions through (docs/lifecycle.md): each (init, an
 * invocation, shutdown) is a Round that ends when every extension concerned has asked for its next
 * event again; events go to the extensions' held GET /event/next, or wait for their next one.
 */
export class Lifecycle {
  readonly registry: Registry;
  private readonly externalNames: ReadonlySet<string>;
  private readonly held = new Set<http.ServerResponse>();
  private current: Round | undefined;
  private launcherWait: Round | undefined;
  private shutDown = false;
  private failed: ExtensionFailure | undefined;

  constructor(private readonly opts: LifecycleOptions) {
    this.externalNames = new Set(opts.externalNames);
    this.registry = new Registry(opts.isExternal ?? ((name) => this.externalNames.has(name)));
  }

  /** The phase under way (or the last one). */
  get round(): Round | undefined {
    return this.current;
  }

  /** Shutdown has begun (or the context is closed): nothing more registers or is invoked. */
  get isShutDown(): boolean {
    return this.shutDown;
  }

  get failure(): ExtensionFailure | undefined {
    return this.failed;
  }

  externalsRegistered(): Promise<void> {
    // An extension that exited before the launcher asked has already failed the launch.
    if (this.failed && !this.launcherWait) return rejected(this.failed);
    if (!this.launcherWait) {
      const registered = new Set(this.registry.all().map((x) => x.name));
      this.launcherWait = new Round('init', new Set([...this.externalNames].filter((n) => !registered.has(n))));
    }
    return this.launcherWait.promise;
  }

  /** An external extension registered: the launcher's wait may be over. */
  externalRegistered(name: string): void {
    this.launcherWait?.finished(name);
  }

  initDone(): Promise<void> {
    this.registry.close();
    if (this.failed) return rejected(this.failed);
    const targets = this.registry.all().filter((x) => x.state === 'registered');
    const round = this.begin(new Round('init', new Set(targets.map((x) => x.id))));
    void round.promise.then(
      () => this.endInit(),
      () => undefined,
    );
    return round.promise;
  }

  invoke(input: InvokeInput): Promise<void> {
    if (this.shutDown) return rejected(new PhaseAbandoned('invoke'));
    if (this.failed) return rejected(this.failed);
    const event: ExtensionEvent = {
      eventType: 'INVOKE',
      deadlineMs: input.deadlineMs,
      requestId: input.requestId,
      invokedFunctionArn: input.invokedFunctionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: input.traceId },
    };
    return this.broadcast('invoke', event).promise;
  }

  shutdown(reason: ShutdownReason, deadlineMs: number): Promise<ShutdownResult> {
    this.shutDown = true;
    this.registry.close();
    const event: ExtensionEvent = { eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs };
    const round = this.broadcast('shutdown', event);
    const timers = this.opts.timers;
    const cancel = timers.setTimeout(() => round.end(), Math.max(0, deadlineMs - timers.now()));
    const names = () => round.pending.map((id) => this.registry.find(id)).flatMap((x) => ('name' in x ? [x.name] : []));
    return round.promise.then(
      () => {
        cancel();
        return { pending: names() };
      },
      () => ({ pending: names() }),
    );
  }

  close(): void {
    this.shutDown = true;
    this.current?.fail(new PhaseAbandoned(this.current.phase));
    this.launcherWait?.fail(new PhaseAbandoned('launch'));
    for (const res of this.held) res.destroy();
    this.held.clear();
    this.opts.telemetry.close();
  }

  /** Keeps a held request until it is answered or the context is closed. */
  hold(res: http.ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }

  /** Answers a held GET /event/next with its event. */
  send(res: http.ServerResponse, event: ExtensionEvent): void {
    this.held.delete(res);
    sendJson(res, 200, event, { [HEADERS.eventIdentifier]: randomUUID() });
  }

  deliver(x: ExtensionRecord, event: ExtensionEvent): void {
    const waiter = x.waiter;
    if (!waiter) {
      // It has not asked yet (still busy, or its connection dropped): it gets the latest event then.
      x.queued = event;
      return;
    }
    x.waiter = undefined;
    x.current = event;
    x.state = event.eventType === 'SHUTDOWN' ? 'shut-down' : 'running';
    waiter(event);
  }

  /** An extension failed (reported an error, or its process ended): the init or invocation fails with it. */
  fail(type: ExtensionFailureType, name: string, reported: string, id?: string): void {
    const failure = new ExtensionFailure(type, name, reported);
    this.failed ??= failure;
    const r = this.current;
    if (r && !r.done) {
      if (r.phase === 'shutdown') {
        if (id) r.finished(id);
      } else {
        r.fail(failure);
      }
    }
    this.launcherWait?.fail(failure);
  }

  /** Begins a phase that waits for the live extensions registered for `event`, and delivers it to them. */
  private broadcast(phase: 'invoke' | 'shutdown', event: ExtensionEvent): Round {
    const targets = this.registry.all().filter((x) => isLive(x) && x.events.has(event.eventType));
    const round = this.begin(new Round(phase, new Set(targets.map((x) => x.id))));
    for (const x of targets) this.deliver(x, event);
    return round;
  }

  /** A new phase supersedes an unfinished one (a timed-out invocation's wait, at Shutdown). */
  private begin(round: Round): Round {
    this.current?.fail(new PhaseAbandoned(this.current.phase));
    this.current = round;
    return round;
  }

  /** Lambda logs each extension's standing at the end of the init (platform.extension). */
  private endInit(): void {
    const now = this.opts.timers.now();
    for (const x of this.registry.all()) {
      this.opts.telemetry.emit(platformEvents.extension(now, { name: x.name, state: 'Ready', events: [...x.events] }));
    }
    this.opts.telemetry.closeSubscriptions();
  }
}

function isLive(x: ExtensionRecord): boolean {
  return x.state !== 'init-error' && x.state !== 'exit-error' && x.state !== 'shut-down';
}

function rejected(err: unknown): Promise<never> {
  const p = Promise.reject(err);
  p.catch(() => undefined);
  return p;
}
