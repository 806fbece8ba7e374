import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MAX_RESPONSE_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  RUNTIME_DURATION_HEADER,
  type RuntimeApiListener,
  type RuntimeInvocation,
  type RuntimeOutcome,
  type StreamedOutcome,
} from './types';
import { isStreamedResponse, relayStream, trailerError } from './streamed-response';
import { RUNTIME_API_LIMITS, type RuntimeApiLimits } from './limits';
import { invalidRequestId, runtimeRoute } from './routes';
import { InvocationDesk, type Pending } from './invocation-desk';
import { discardBody, readBody } from '../http/read-body';
import { connectionCount, guardedServer, listen } from '../http/guarded-server';
import { sendEmpty } from '../http/replies';
import { apiError, sendAccepted, sendApiError, sendBodyTimeout, sendFault, sendOk, tooLarge } from '../http/api-errors';
import { headerOf } from '../http/request';

export interface RuntimeApiOptions {
  /** Checked on each new connection before anything is read from it (the container's own address). */
  allowPeer?: (remoteAddress: string) => boolean | Promise<boolean>;
  limits?: Partial<RuntimeApiLimits>;
  /** A failure of the server itself (not of a request's content); the default drops it. */
  onError?: (err: unknown) => void;
  /** Lambda's Extensions and Telemetry APIs on the same address: served first when their paths match. */
  extensions?: { handle(req: http.IncomingMessage, res: http.ServerResponse): boolean };
  /** Invocations the context runs at the same time, each with its GET /next held (default 1). */
  maxConcurrency?: number;
}

/**
 * The Lambda Runtime API for one execution context, on a port of its own: the container's
 * AWS_LAMBDA_RUNTIME_API names it, so any Runtime API client works unchanged and requests
 * need no routing. GET /next is held open for as long as the context sits frozen (up to
 * maxConcurrency of them, see InvocationDesk). Whatever a client sends is answered (4xx) or
 * dropped for that request alone.
 */
export class RuntimeApiServer {
  private readonly desk: InvocationDesk;
  private readingInitError = false;
  /** A stem's held GET /orchestrator/claim, and whether the claim came first. */
  private waitingClaim: http.ServerResponse | undefined;
  private claimed = false;
  private shuttingDown = false;
  private readonly limits: RuntimeApiLimits;
  private readonly onError: (err: unknown) => void;
  private readonly extensions: RuntimeApiOptions['extensions'];
  private server!: http.Server;

  private constructor(
    private readonly listener: RuntimeApiListener,
    opts: RuntimeApiOptions,
  ) {
    this.limits = { ...RUNTIME_API_LIMITS, ...opts.limits };
    this.onError = opts.onError ?? (() => undefined);
    this.extensions = opts.extensions;
    this.desk = new InvocationDesk(opts.maxConcurrency ?? 1);
  }

  static async start(bind: string, listener: RuntimeApiListener, opts: RuntimeApiOptions = {}): Promise<RuntimeApiServer> {
    const api = new RuntimeApiServer(listener, opts);
    api.server = guardedServer(
      {
        maxConnections: api.limits.maxConnections,
        headersTimeoutMs: api.limits.headersTimeoutMs,
        requestTimeoutMs: 0, // bodies are timed per route: a held /next has none
        keepAliveTimeoutMs: 0, // the runtime's connection idles while its handler runs
        allowPeer: opts.allowPeer,
      },
      (req, res) => api.route(req, res),
    );
    await listen(api.server, 0, bind, (err) => api.onError(err));
    return api;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Open connections (what a client holds, within limits.maxConnections). */
  connections(): Promise<number> {
    return connectionCount(this.server);
  }

  /** Hands an invocation to the runtime (now if it waits in /next, else when it asks). */
  deliver(invocation: RuntimeInvocation): Promise<RuntimeOutcome>;
  /** The same, taking a streamed response as it starts (see StreamedOutcome). */
  deliver(invocation: RuntimeInvocation, opts: { streaming: true }): Promise<RuntimeOutcome | StreamedOutcome>;
  deliver(invocation: RuntimeInvocation, opts?: { streaming: true }): Promise<RuntimeOutcome | StreamedOutcome> {
    return new Promise((resolve) => {
      const p: Pending = { invocation, resolve, streaming: opts?.streaming === true, sent: false, receiving: false };
      const res = this.desk.deliver(p);
      if (res) this.sendNext(res, p);
    });
  }

  /** Lets a stem's runtime load the function: answers its held claim request (now, or when it asks). */
  releaseClaim(): void {
    this.claimed = true;
    if (this.waitingClaim) sendOk(this.waitingClaim);
    this.waitingClaim = undefined;
  }

  /**
   * The Shutdown phase: no event will come. Each held (and any later) GET /next is answered with
   * `Lambda-Runtime-Orchestrator-Shutdown` so that our Node.js runtime, whose main thread blocks
   * while it waits, returns to its event loop where a SIGTERM handler can run.
   */
  releaseForShutdown(): void {
    this.shuttingDown = true;
    for (const res of this.desk.releaseWaiting()) this.sendShutdown(res);
  }

  private sendShutdown(res: http.ServerResponse): void {
    sendEmpty(res, 200, { 'lambda-runtime-orchestrator-shutdown': '1' });
  }

  /**
   * Forgets the invocation `requestId` (every one in flight without it): it timed out or its
   * context died; its stream in progress, if any, ends 'aborted'.
   */
  abandon(requestId?: string): void {
    this.desk.abandon(requestId);
  }

  async close(): Promise<void> {
    this.desk.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.extensions?.handle(req, res)) return;
    const handled = (async () => {
      const route = runtimeRoute(req.method, req.url);
      switch (route.kind) {
        case 'next':
          // Read (and drop) any body: an unread one stops the socket being read, and then a client
          // that goes away is never noticed and its held /next never let go.
          discardBody(req, this.limits.bodyTimeoutMs);
          return this.onNext(res);
        case 'result':
          return this.onResult(route.requestId, route.result, req, res);
        case 'init-error':
          return this.onInitError(req, res);
        case 'claim':
          return this.onClaim(res);
        default:
          discardBody(req, this.limits.bodyTimeoutMs);
          return sendApiError(res, route);
      }
    })();
    handled.catch((err: unknown) => {
      // A fault of ours, not the client's: said once, answered for this request alone.
      this.onError(err);
      sendFault(res);
    });
  }

  private onNext(res: http.ServerResponse): void {
    if (this.shuttingDown) return this.sendShutdown(res);
    const p = this.desk.arrived(res);
    if (p) return this.sendNext(res, p);
    this.listener.onNext();
  }

  private onClaim(res: http.ServerResponse): void {
    if (this.claimed) return sendOk(res);
    res.on('close', () => {
      if (this.waitingClaim === res) this.waitingClaim = undefined;
    });
    this.waitingClaim = res;
    this.listener.onClaimWait?.();
  }

  private sendNext(res: http.ServerResponse, p: Pending): void {
    p.sent = true;
    const inv = p.invocation;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': inv.payload.length,
      'lambda-runtime-aws-request-id': inv.requestId,
      'lambda-runtime-deadline-ms': String(inv.deadlineMs),
      'lambda-runtime-invoked-function-arn': inv.functionArn,
      'lambda-runtime-trace-id': inv.traceId,
    };
    if (inv.clientContext) headers['lambda-runtime-client-context'] = inv.clientContext;
    if (inv.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = inv.cognitoIdentity;
    res.writeHead(200, headers);
    res.end(inv.payload);
  }

  private async onResult(requestId: string, kind: 'response' | 'error', req: http.IncomingMessage, res: http.ServerResponse) {
    const p = this.desk.sent(requestId);
    if (!p) {
      discardBody(req, this.limits.bodyTimeoutMs);
      return sendApiError(res, invalidRequestId(requestId));
    }
    if (p.receiving) {
      discardBody(req, this.limits.bodyTimeoutMs);
      return sendApiError(res, apiError(403, 'InvalidStateTransition', 'a result for this invocation is already being received'));
    }
    const streamed = kind === 'response' && isStreamedResponse(req);
    if (streamed && p.streaming) return this.onStream(p, req, res);
    p.receiving = true;
    // A stream lasts as long as the function writes: the invocation's timeout bounds it, not ours.
    const body = await readBody(req, { limit: MAX_RESPONSE_BYTES, timeoutMs: streamed ? 0 : this.limits.bodyTimeoutMs });
    p.receiving = false;
    if (body.kind === 'aborted') return; // the runtime may post again; the invocation's timeout bounds it
    if (body.kind === 'timeout') return sendBodyTimeout(res);
    if (!this.desk.has(p)) return sendApiError(res, apiError(410, 'InvalidRequestID', 'invocation ended'));
    this.desk.answered(p);
    if (body.kind === 'too-large') {
      // The rest of the body is drained and discarded (within the body timeout), never kept.
      sendApiError(res, tooLarge(MAX_RESPONSE_BYTES));
      return p.resolve({ kind: 'too-large', bytes: body.bytes });
    }
    sendAccepted(res);
    const failed = streamed ? trailerError(req) : undefined;
    const ms = Number(headerOf(req, RUNTIME_DURATION_HEADER));
    const runtimeMs = Number.isFinite(ms) && ms >= 0 ? ms : undefined;
    if (failed) p.resolve({ kind: 'error', errorType: failed.errorType, body: failed.errorBody });
    else if (kind === 'response') p.resolve({ kind: 'response', body: body.data, runtimeMs });
    else
      p.resolve({
        kind: 'error',
        errorType: headerOf(req, 'lambda-runtime-function-error-type') ?? 'Unhandled',
        body: body.data,
        runtimeMs,
      });
  }

  /** A streamed response for a caller that takes streams: handed over now, answered when it ends. */
  private async onStream(p: Pending, req: http.IncomingMessage, res: http.ServerResponse) {
    const id = p.invocation.requestId;
    this.desk.answered(p);
    const { outcome, cut } = relayStream(req, MAX_STREAMED_RESPONSE_BYTES);
    this.desk.streaming(id, cut);
    p.resolve(outcome);
    const end = await outcome.end;
    this.desk.streamEnded(id, cut);
    if (end.kind === 'too-large') {
      sendApiError(res, tooLarge(MAX_STREAMED_RESPONSE_BYTES));
    } else if (end.kind !== 'aborted') {
      sendAccepted(res);
    }
  }

  private async onInitError(req: http.IncomingMessage, res: http.ServerResponse) {
    if (this.readingInitError) {
      discardBody(req, this.limits.bodyTimeoutMs);
      return sendApiError(res, apiError(403, 'InvalidStateTransition', 'an init error is already being received'));
    }
    this.readingInitError = true;
    const body = await readBody(req, { limit: MAX_RESPONSE_BYTES, timeoutMs: this.limits.bodyTimeoutMs });
    this.readingInitError = false;
    if (body.kind === 'aborted') return;
    if (body.kind === 'timeout') return sendBodyTimeout(res);
    if (body.kind === 'too-large') {
      sendApiError(res, tooLarge(MAX_RESPONSE_BYTES));
    } else {
      sendAccepted(res);
    }
    const errorType = headerOf(req, 'lambda-runtime-function-error-type') ?? 'Runtime.Unknown';
    this.listener.onInitError(errorType, body.kind === 'ok' ? body.data : Buffer.alloc(0));
  }
}
