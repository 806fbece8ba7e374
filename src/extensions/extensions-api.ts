import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { discardBody, readBody } from '../http/read-body';
import { sendJson } from '../http/replies';
import { sendAccepted, sendApiError, sendBodyTimeout, sendFault, sendOk, tooLarge, type ApiError } from '../http/api-errors';
import { headerOf } from '../http/request';
import { ExtensionFailure, type ExtensionFailureType } from './errors';
import { EXTENSION_BODY_LIMITS, shutdownLimitMs } from './limits';
import { ERR, Registry, describe, type ExtensionRecord } from './registry';
import { PhaseAbandoned, Round } from './rounds';
import type { TelemetryApi } from './telemetry';
import { platformEvents } from './telemetry-events';
import { systemTimers, type Timers } from './timers';
import type { ExtensionEvent, ExtensionsApiEvent, FunctionMetadata, InvokeInput, RegisteredExtension, ShutdownReason } from './types';
import { extensionRoute, HEADERS, type ExtensionRoute } from './wire';

export interface ExtensionsApiOptions {
  fn: FunctionMetadata;
  /** Basenames of the executables in /opt/extensions: the external extensions the launcher starts. */
  externalNames?: readonly string[];
  /** Lambda tells external from internal by the process's file in /opt/extensions; default: `externalNames`. */
  isExternal?: (name: string) => boolean;
  telemetry: TelemetryApi;
  timers?: Timers;
  /** Bodies must be in by then (a held GET /event/next has none and never times out). */
  bodyTimeoutMs?: number;
  onEvent?: (event: ExtensionsApiEvent) => void;
  /** A fault of ours while serving a request (answered 500 for that request alone). */
  onError?: (err: unknown) => void;
}

export interface ShutdownResult {
  /** Extensions that had not asked for their next event by the deadline. */
  pending: string[];
}

/**
 * One context's Extensions API (2020-01-01) and its lifecycle: extensions register during the init,
 * wait in GET /event/next (held, with no timeout: the container is paused meanwhile), and each phase
 * the context runs (`initDone`, `invoke`, `shutdown`) ends when every extension concerned has asked
 * for its next event again. `handle` serves the Extensions and Telemetry APIs' paths for the
 * context's Runtime API server.
 */
export class ExtensionsApi {
  readonly telemetry: TelemetryApi;
  private readonly registry: Registry;
  private readonly timers: Timers;
  private readonly bodyTimeoutMs: number;
  private readonly externalNames: ReadonlySet<string>;
  private readonly held = new Set<http.ServerResponse>();
  private round: Round | undefined;
  private launcherWait: Round | undefined;
  private shutDown = false;
  private failed: ExtensionFailure | undefined;

  constructor(private readonly opts: ExtensionsApiOptions) {
    this.telemetry = opts.telemetry;
    this.timers = opts.timers ?? systemTimers;
    this.bodyTimeoutMs = opts.bodyTimeoutMs ?? 60_000;
    this.externalNames = new Set(opts.externalNames ?? []);
    this.registry = new Registry(opts.isExternal ?? ((name) => this.externalNames.has(name)));
  }

  // ---- what the context uses ----

  registered(): RegisteredExtension[] {
    return this.registry.all().map(describe);
  }

  get hasExternal(): boolean {
    return this.registry.all().some((x) => x.external);
  }

  get hasInternal(): boolean {
    return this.registry.all().some((x) => !x.external);
  }

  /** Lambda's Shutdown limit for what is registered: 0, 500 or 2,000 ms. */
  shutdownLimitMs(): number {
    return shutdownLimitMs({ external: this.hasExternal, internal: this.hasInternal });
  }

  /** The first failure an extension reported (or its exit), if any: it fails the init or invocation. */
  get failure(): ExtensionFailure | undefined {
    return this.failed;
  }

  /**
   * Resolves once every external extension in `externalNames` has registered (the runtime starts
   * then, as on Lambda); rejects with Extension.Crash if one of them exits first.
   */
  externalsRegistered(): Promise<void> {
    // An extension that exited before the launcher asked has already failed the launch.
    if (this.failed && !this.launcherWait) return rejected(this.failed);
    if (!this.launcherWait) {
      const registered = new Set(this.registry.all().map((x) => x.name));
      this.launcherWait = new Round('init', new Set([...this.externalNames].filter((n) => !registered.has(n))));
    }
    return this.launcherWait.promise;
  }

  /**
   * Call when the runtime has asked for its first event: registration closes, and this resolves
   * once every registered extension has asked for its first event too (Telemetry subscriptions
   * close then). Rejects with an ExtensionFailure (Extension.InitError/ExitError/Crash).
   */
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

  /**
   * Delivers INVOKE to the extensions registered for it; resolves when each has asked for its next
   * event again. Rejects with an ExtensionFailure if one reports an exit error or exits meanwhile.
   * The function's timeout covers this wait: the context races it.
   */
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
    const targets = this.live().filter((x) => x.events.has('INVOKE'));
    const round = this.begin(new Round('invoke', new Set(targets.map((x) => x.id))));
    for (const x of targets) this.deliver(x, event);
    return round.promise;
  }

  /**
   * Delivers SHUTDOWN (`deadlineMs`: epoch milliseconds) to the extensions registered for it;
   * resolves when each has exited (as the launcher reports) or asked for its next event again
   * (never answered), or at the deadline, with the ones still pending. Never rejects.
   */
  shutdown(reason: ShutdownReason, deadlineMs: number): Promise<ShutdownResult> {
    this.shutDown = true;
    this.registry.close();
    const event: ExtensionEvent = { eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs };
    const targets = this.live().filter((x) => x.events.has('SHUTDOWN'));
    const round = this.begin(new Round('shutdown', new Set(targets.map((x) => x.id))));
    for (const x of targets) this.deliver(x, event);
    const cancel = this.timers.setTimeout(() => round.end(), Math.max(0, deadlineMs - this.timers.now()));
    const names = () => round.pending.map((id) => this.registry.find(id)).flatMap((x) => ('name' in x ? [x.name] : []));
    return round.promise.then(
      () => {
        cancel();
        return { pending: names() };
      },
      () => ({ pending: names() }),
    );
  }

  /** Ends every held request (the context is gone); pending phases are abandoned. */
  close(): void {
    this.shutDown = true;
    this.round?.fail(new PhaseAbandoned(this.round.phase));
    this.launcherWait?.fail(new PhaseAbandoned('launch'));
    for (const res of this.held) res.destroy();
    this.held.clear();
    this.telemetry.close();
  }

  // ---- HTTP ----

  /** Serves the Extensions and Telemetry APIs' paths; false for any other path (not read). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const routed = extensionRoute(req.method, req.url);
    if (routed.kind === 'not-ours') return false;
    const served =
      routed.kind === 'error'
        ? Promise.resolve(this.refuse(req, res, routed.error))
        : this.serve(routed.route, routed.query, req, res);
    served.catch((err: unknown) => {
      this.opts.onError?.(err);
      sendFault(res);
    });
    return true;
  }

  private async serve(route: ExtensionRoute, query: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    switch (route) {
      case 'register':
        return this.onRegister(req, res);
      case 'next':
        return this.withExtension(req, res, (x) => this.onNext(x, req, res));
      case 'init-error':
        return this.withExtension(req, res, (x) => this.onError(x, 'init-error', req, res));
      case 'exit-error':
        return this.withExtension(req, res, (x) => this.onError(x, 'exit-error', req, res));
      case 'telemetry':
        return this.withExtension(req, res, (x) => this.onSubscribe(x, req, res));
      case 'launcher-registered':
        return this.onLauncherWait(req, res);
      case 'launcher-exited':
        return this.onLauncherExited(query, req, res);
    }
  }

  private async onRegister(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await this.body(req, res, EXTENSION_BODY_LIMITS.register);
    if (!body) return;
    let parsed: unknown = {};
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (err) {
        return sendApiError(res, ERR.format((err as Error).message));
      }
    }
    const name = headerOf(req, HEADERS.name);
    if (this.shutDown && name) return sendApiError(res, ERR.closed());
    const record = this.registry.register(name, parsed);
    if ('status' in record) return sendApiError(res, record);
    const fn = this.opts.fn;
    const wantsAccount = (headerOf(req, HEADERS.acceptFeature) ?? '').split(',').some((f) => f.trim() === 'accountId');
    const answer = { functionName: fn.functionName, functionVersion: fn.functionVersion, handler: fn.handler, ...(wantsAccount ? { accountId: fn.accountId } : {}) };
    sendJson(res, 200, answer, { [HEADERS.identifier]: record.id });
    this.opts.onEvent?.({ kind: 'registered', name: record.name, id: record.id, external: record.external, events: [...record.events] });
    if (record.external) this.launcherWait?.finished(record.name);
  }

  private onNext(x: ExtensionRecord, req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume(); // a GET has no body worth reading
    if (x.state === 'init-error' || x.state === 'exit-error') return sendApiError(res, ERR.state(x, 'Ready', 'the extension reported an error'));
    if (x.waiter) return sendApiError(res, ERR.state(x, 'Ready', 'it is already waiting for an event'));
    this.hold(res);
    const finished = x.current;
    x.current = undefined;
    if (x.state === 'shut-down') {
      // After SHUTDOWN nothing more comes: the request is held until the context is removed.
      if (finished && this.round?.phase === 'shutdown') this.round.finished(x.id);
      return;
    }
    const wasRegistered = x.state === 'registered';
    x.state = 'ready';
    const waiter = (event: ExtensionEvent) => this.send(res, event);
    x.waiter = waiter;
    res.on('close', () => {
      if (x.waiter === waiter) x.waiter = undefined; // it will ask again; events queue meanwhile
    });
    const r = this.round;
    if (r && ((r.phase === 'init' && wasRegistered) || (r.phase === 'invoke' && finished?.eventType === 'INVOKE'))) r.finished(x.id);
    if (x.queued) {
      const event = x.queued;
      x.queued = undefined;
      this.deliver(x, event);
    }
  }

  private async onError(x: ExtensionRecord, kind: 'init-error' | 'exit-error', req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const errorType = headerOf(req, HEADERS.errorType);
    if (!errorType) return this.refuse(req, res, ERR.missingHeader(HEADERS.errorType));
    const allowed = kind === 'init-error' ? x.state === 'registered' : x.state !== 'init-error' && x.state !== 'exit-error';
    const to = kind === 'init-error' ? 'InitError' : 'Exited';
    if (!allowed) return this.refuse(req, res, ERR.state(x, to, 'not allowed in this state'));
    const body = await this.body(req, res, EXTENSION_BODY_LIMITS.error);
    if (!body) return;
    x.state = kind;
    x.waiter = undefined;
    sendAccepted(res);
    this.opts.onEvent?.({ kind, name: x.name, errorType, body });
    this.fail(kind === 'init-error' ? 'Extension.InitError' : 'Extension.ExitError', x.name, errorType, x.id);
  }

  private async onSubscribe(x: ExtensionRecord, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await this.body(req, res, EXTENSION_BODY_LIMITS.subscribe);
    if (!body) return;
    const answer = this.telemetry.subscribe(x.name, body);
    sendJson(res, answer.status, answer.body);
  }

  private onLauncherWait(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    this.hold(res);
    this.externalsRegistered().then(
      () => sendOk(res),
      (err: unknown) => {
        const errorType = err instanceof ExtensionFailure ? err.errorType : 'Extension.Crash';
        sendJson(res, 500, { errorType, errorMessage: (err as Error).message });
      },
    );
  }

  private async onLauncherExited(query: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    discardBody(req, this.bodyTimeoutMs);
    const name = query.get('name') ?? '';
    const status = Number(query.get('status') ?? 'NaN');
    sendAccepted(res);
    if (!name) return;
    this.opts.onEvent?.({ kind: 'exited', name, status });
    if (this.shutDown) {
      // What SHUTDOWN asks for: Lambda's Shutdown waits for the extensions' processes to end.
      const x = this.registry.all().find((r) => r.name === name);
      if (x && this.round?.phase === 'shutdown') this.round.finished(x.id);
      return;
    }
    // Any other exit is a crash (Lambda resets the environment).
    this.fail('Extension.Crash', name, `exit status ${Number.isFinite(status) ? status : '?'}`);
  }

  // ---- machinery ----

  private withExtension(req: http.IncomingMessage, res: http.ServerResponse, then: (x: ExtensionRecord) => void | Promise<void>): void | Promise<void> {
    const x = this.registry.find(headerOf(req, HEADERS.identifier));
    if ('status' in x) return this.refuse(req, res, x);
    return then(x);
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, e: ApiError): void {
    discardBody(req, this.bodyTimeoutMs);
    sendApiError(res, e);
  }

  /** The body, or undefined once the request has been answered (too large, too slow) or abandoned. */
  private async body(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<Buffer | undefined> {
    const read = await readBody(req, { limit, timeoutMs: this.bodyTimeoutMs });
    switch (read.kind) {
      case 'ok':
        return read.data;
      case 'too-large':
        sendApiError(res, tooLarge(limit));
        return undefined;
      case 'timeout':
        sendBodyTimeout(res);
        return undefined;
      case 'aborted':
        return undefined;
    }
  }

  private live(): ExtensionRecord[] {
    return this.registry.all().filter((x) => x.state !== 'init-error' && x.state !== 'exit-error' && x.state !== 'shut-down');
  }

  /** A new phase supersedes an unfinished one (a timed-out invocation's wait, at Shutdown). */
  private begin(round: Round): Round {
    this.round?.fail(new PhaseAbandoned(this.round.phase));
    this.round = round;
    return round;
  }

  private deliver(x: ExtensionRecord, event: ExtensionEvent): void {
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

  private send(res: http.ServerResponse, event: ExtensionEvent): void {
    this.held.delete(res);
    sendJson(res, 200, event, { [HEADERS.eventIdentifier]: randomUUID() });
  }

  private hold(res: http.ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }

  private fail(type: ExtensionFailureType, name: string, reported: string, id?: string): void {
    const failure = new ExtensionFailure(type, name, reported);
    this.failed ??= failure;
    const r = this.round;
    if (r && !r.done) {
      if (r.phase === 'shutdown') {
        if (id) r.finished(id);
      } else {
        r.fail(failure);
      }
    }
    this.launcherWait?.fail(failure);
  }

  /** Lambda logs each extension's standing at the end of the init (platform.extension). */
  private endInit(): void {
    const now = this.timers.now();
    for (const x of this.registry.all()) {
      this.telemetry.emit(platformEvents.extension(now, { name: x.name, state: 'Ready', events: [...x.events] }));
    }
    this.telemetry.closeSubscriptions();
  }
}

function rejected(err: unknown): Promise<never> {
  const p = Promise.reject(err);
  p.catch(() => undefined);
  return p;
}
