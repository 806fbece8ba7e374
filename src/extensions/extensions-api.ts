import type http from 'node:http';
import { sendFault } from '../http/api-errors';
import { RUNTIME_API_LIMITS } from '../runtime-api/limits';
import type { ExtensionFailure } from './errors';
import { onErrorReport } from './error-routes';
import { onLauncherExited, onLauncherWait } from './launcher-routes';
import { Lifecycle, type ShutdownResult } from './lifecycle';
import { shutdownLimitMs } from './limits';
import { onNext } from './next-route';
import { describe } from './registry';
import { onRegister } from './register-route';
import { refuse, withExtension, type RouteContext } from './route-kit';
import { onSubscribe } from './subscribe-route';
import type { TelemetryApi } from './telemetry';
import { systemTimers, type Timers } from './timers';
import type { ExtensionsApiEvent, FunctionMetadata, InvokeInput, RegisteredExtension, ShutdownReason } from './types';
import { extensionRoute, type ExtensionRoute } from './wire';

export type { ShutdownResult } from './lifecycle';

export interface ExtensionsApiOptions {
  fn: FunctionMetadata;
  /** Basenames of the executables in /opt/extensions: the external extensions the launcher starts. */
  externalNames?: readonly string[];
  /** Lambda tells external from internal by the process's file in /opt/extensions; default: `externalNames`. */
  isExternal?: (name: string) => boolean;
  telemetry: TelemetryApi;
  timers?: Timers;
  /** Bodies must be in by then (a held GET /event/next has none and never times out); default: the Runtime API's. */
  bodyTimeoutMs?: number;
  onEvent?: (event: ExtensionsApiEvent) => void;
  /** A fault of ours while serving a request (answered 500 for that request alone). */
  onError?: (err: unknown) => void;
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
  private readonly lifecycle: Lifecycle;
  private readonly ctx: RouteContext;

  constructor(private readonly opts: ExtensionsApiOptions) {
    this.telemetry = opts.telemetry;
    this.lifecycle = new Lifecycle({
      externalNames: opts.externalNames ?? [],
      isExternal: opts.isExternal,
      telemetry: opts.telemetry,
      timers: opts.timers ?? systemTimers,
    });
    this.ctx = {
      lifecycle: this.lifecycle,
      fn: opts.fn,
      telemetry: opts.telemetry,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? RUNTIME_API_LIMITS.bodyTimeoutMs,
      onEvent: opts.onEvent,
    };
  }

  // ---- what the context uses ----

  registered(): RegisteredExtension[] {
    return this.lifecycle.registry.all().map(describe);
  }

  get hasExternal(): boolean {
    return this.lifecycle.registry.all().some((x) => x.external);
  }

  get hasInternal(): boolean {
    return this.lifecycle.registry.all().some((x) => !x.external);
  }

  /** Lambda's Shutdown limit for what is registered: 0, 500 or 2,000 ms. */
  shutdownLimitMs(): number {
    return shutdownLimitMs({ external: this.hasExternal, internal: this.hasInternal });
  }

  /** The first failure an extension reported (or its exit), if any: it fails the init or invocation. */
  get failure(): ExtensionFailure | undefined {
    return this.lifecycle.failure;
  }

  /**
   * Resolves once every external extension in `externalNames` has registered (the runtime starts
   * then, as on Lambda); rejects with Extension.Crash if one of them exits first.
   */
  externalsRegistered(): Promise<void> {
    return this.lifecycle.externalsRegistered();
  }

  /**
   * Call when the runtime has asked for its first event: registration closes, and this resolves
   * once every registered extension has asked for its first event too (Telemetry subscriptions
   * close then). Rejects with an ExtensionFailure (Extension.InitError/ExitError/Crash).
   */
  initDone(): Promise<void> {
    return this.lifecycle.initDone();
  }

  /**
   * Delivers INVOKE to the extensions registered for it; resolves when each has asked for its next
   * event again. Rejects with an ExtensionFailure if one reports an exit error or exits meanwhile.
   * The function's timeout covers this wait: the context races it.
   */
  invoke(input: InvokeInput): Promise<void> {
    return this.lifecycle.invoke(input);
  }

  /**
   * Delivers SHUTDOWN (`deadlineMs`: epoch milliseconds) to the extensions registered for it;
   * resolves when each has exited (as the launcher reports) or asked for its next event again
   * (never answered), or at the deadline, with the ones still pending. Never rejects.
   */
  shutdown(reason: ShutdownReason, deadlineMs: number): Promise<ShutdownResult> {
    return this.lifecycle.shutdown(reason, deadlineMs);
  }

  /** Ends every held request (the context is gone); pending phases are abandoned. */
  close(): void {
    this.lifecycle.close();
  }

  // ---- HTTP ----

  /** Serves the Extensions and Telemetry APIs' paths; false for any other path (not read). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const routed = extensionRoute(req.method, req.url);
    if (routed.kind === 'not-ours') return false;
    const served =
      routed.kind === 'error'
        ? Promise.resolve(refuse(this.ctx, req, res, routed.error))
        : this.serve(routed.route, routed.query, req, res);
    served.catch((err: unknown) => {
      this.opts.onError?.(err);
      sendFault(res);
    });
    return true;
  }

  private async serve(route: ExtensionRoute, query: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const ctx = this.ctx;
    switch (route) {
      case 'register':
        return onRegister(ctx, req, res);
      case 'next':
        return withExtension(ctx, req, res, (x) => onNext(ctx, x, req, res));
      case 'init-error':
        return withExtension(ctx, req, res, (x) => onErrorReport(ctx, x, 'init-error', req, res));
      case 'exit-error':
        return withExtension(ctx, req, res, (x) => onErrorReport(ctx, x, 'exit-error', req, res));
      case 'telemetry':
        return withExtension(ctx, req, res, (x) => onSubscribe(ctx, x, req, res));
      case 'launcher-registered':
        return onLauncherWait(ctx, req, res);
      case 'launcher-exited':
        return onLauncherExited(ctx, query, req, res);
    }
  }
}
