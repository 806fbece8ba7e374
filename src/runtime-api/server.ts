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
import { discardBody, readBody } from '../http/read-body';
import { connectionCount, guardedServer, listen } from '../http/guarded-server';
import { sendEmpty } from '../http/replies';
import { apiError, sendAccepted, sendApiError, sendBodyTimeout, sendFault, sendOk, tooLarge } from '../http/api-errors';
import { headerOf } from '../http/request';

interface Pending {
  invocation: RuntimeInvocation;
  resolve: (outcome: RuntimeOutcome | StreamedOutcome) => void;
  /** The caller takes a streamed response as a stream (else it gets it buffered, as a plain Invoke). */
  streaming: boolean;
  sent: boolean;
  /** A POST of its result is being read: one body at a time, the others are refused. */
  receiving: boolean;
}

export interface RuntimeApiOptions {
  /** Checked on each new connection before anything is read from it (the container's own address). */
  allowPeer?: (remoteAddress: string) => boolean | Promise<boolean>;
  limits?: Partial<RuntimeApiLimits>;
  /** A failure of the server itself (not of a request's content); the default drops it. */
  onError?: (err: unknown) => void;
  /** Lambda's Extensions and Telemetry APIs on the same address: served first when their paths match. */
  extensions?: { handle(req: http.IncomingMessage, res: http.ServerResponse): boolean };
}

/**
 * The Lambda Runtime API for one execution context, on a port of its own: the container's
 * AWS_LAMBDA_RUNTIME_API names it, so any Runtime API client works unchanged and requests
 * need no routing. GET /next is held open for as long as the context sits frozen. Whatever a
 * client sends is answered (4xx) or dropped for that request alone.
 */
export class RuntimeApiServer {
  private waitingNext: http.ServerResponse | undefined;
  private pending: Pending | undefined;
  private readingInitError = false;
  /** A streamed response in progress: abandon() cuts it. */
  private cutStream: (() => void) | undefined;
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
      this.pending = { invocation, resolve, streaming: opts?.streaming === true, sent: false, receiving: false };
      if (this.waitingNext) this.sendNext(this.waitingNext);
    });
  }

  /** Lets a stem's runtime load the function: answers its held claim request (now, or when it asks). */
  releaseClaim(): void {
    this.claimed = true;
    if (this.waitingClaim) sendOk(this.waitingClaim);
    this.waitingClaim = undefined;
  }

  /**
   * The Shutdown phase: no event will come. The held (and any later) GET /next is answered with
   * `Lambda-Runtime-Orchestrator-Shutdown` so that our Node.js runtime, whose main thread blocks
   * while it waits, returns to its event loop where a SIGTERM handler can run.
   */
  releaseForShutdown(): void {
    this.shuttingDown = true;
    if (this.waitingNext) this.sendShutdown(this.waitingNext);
  }

  private sendShutdown(res: http.ServerResponse): void {
    this.waitingNext = undefined;
    sendEmpty(res, 200, { 'lambda-runtime-orchestrator-shutdown': '1' });
  }

  /** Forgets the in-flight invocation (it timed out or its context died); a stream in progress ends 'aborted'. */
  abandon(): void {
    this.pending = undefined;
    this.cutStream?.();
    this.cutStream = undefined;
  }

  async close(): Promise<void> {
    this.pending = undefined;
    this.waitingNext = undefined;
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
    res.on('close', () => {
      if (this.waitingNext === res) this.waitingNext = undefined;
    });
    this.waitingNext = res;
    if (this.shuttingDown) return this.sendShutdown(res);
    if (this.pending && !this.pending.sent) return this.sendNext(res);
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

  private sendNext(res: http.ServerResponse): void {
    const p = this.pending!;
    p.sent = true;
    this.waitingNext = undefined;
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
    const p = this.pending;
    if (!p || !p.sent || p.invocation.requestId !== requestId) {
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
    if (this.pending !== p) return sendApiError(res, apiError(410, 'InvalidRequestID', 'invocation ended'));
    this.pending = undefined;
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
    else p.resolve({ kind: 'error', errorType: headerOf(req, 'lambda-runtime-function-error-type') ?? 'Unhandled', body: body.data, runtimeMs });
  }

  /** A streamed response for a caller that takes streams: handed over now, answered when it ends. */
  private async onStream(p: Pending, req: http.IncomingMessage, res: http.ServerResponse) {
    this.pending = undefined;
    const { outcome, cut } = relayStream(req, MAX_STREAMED_RESPONSE_BYTES);
    this.cutStream = cut;
    p.resolve(outcome);
    const end = await outcome.end;
    if (this.cutStream === cut) this.cutStream = undefined;
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
