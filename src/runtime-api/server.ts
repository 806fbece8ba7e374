import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_RESPONSE_BYTES, type RuntimeApiListener, type RuntimeInvocation, type RuntimeOutcome } from './types';
import { readBody } from '../http/read-body';

const PREFIX = '/2018-06-01/runtime';

interface Pending {
  invocation: RuntimeInvocation;
  resolve: (outcome: RuntimeOutcome) => void;
  sent: boolean;
}

/**
 * The Lambda Runtime API for one execution context, on a port of its own: the container's
 * AWS_LAMBDA_RUNTIME_API names it, so any Runtime API client works unchanged and requests
 * need no routing. GET /next is held open for as long as the context sits frozen.
 */
export class RuntimeApiServer {
  private waitingNext: http.ServerResponse | undefined;
  private pending: Pending | undefined;

  private constructor(
    private readonly server: http.Server,
    private readonly listener: RuntimeApiListener,
  ) {}

  static async start(bind: string, listener: RuntimeApiListener): Promise<RuntimeApiServer> {
    const server = http.createServer();
    // A /next stays unanswered while the context is frozen, for hours if need be.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 0;
    server.timeout = 0;
    const api = new RuntimeApiServer(server, listener);
    server.on('request', (req, res) => api.route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, bind, () => resolve());
    });
    return api;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Hands an invocation to the runtime (now if it waits in /next, else when it asks). */
  deliver(invocation: RuntimeInvocation): Promise<RuntimeOutcome> {
    return new Promise((resolve) => {
      this.pending = { invocation, resolve, sent: false };
      if (this.waitingNext) this.sendNext(this.waitingNext);
    });
  }

  /** Forgets the in-flight invocation (it timed out or its context died). */
  abandon(): void {
    this.pending = undefined;
  }

  async close(): Promise<void> {
    this.pending = undefined;
    this.waitingNext = undefined;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) return this.onNext(res);
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && m) return void this.onResult(decodeURIComponent(m[1]), m[2], req, res);
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) return void this.onInitError(req, res);
    reply(res, 404, { errorType: 'InvalidRequest', errorMessage: `no route ${req.method} ${url}` });
  }

  private onNext(res: http.ServerResponse): void {
    res.on('close', () => {
      if (this.waitingNext === res) this.waitingNext = undefined;
    });
    this.waitingNext = res;
    if (this.pending && !this.pending.sent) return this.sendNext(res);
    this.listener.onNext();
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

  private async onResult(requestId: string, kind: string, req: http.IncomingMessage, res: http.ServerResponse) {
    const p = this.pending;
    if (!p || !p.sent || p.invocation.requestId !== requestId) {
      req.resume();
      return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: `unknown request id ${requestId}` });
    }
    const body = await readBody(req, MAX_RESPONSE_BYTES);
    if (this.pending !== p) return reply(res, 410, { errorType: 'InvalidRequestID', errorMessage: 'invocation ended' });
    this.pending = undefined;
    if (body.tooLarge) {
      reply(res, 413, { errorType: 'RequestEntityTooLarge', errorMessage: 'response payload too large' });
      return p.resolve({ kind: 'too-large', bytes: body.bytes });
    }
    reply(res, 202, { status: 'OK' });
    if (kind === 'response') p.resolve({ kind: 'response', body: body.data });
    else p.resolve({ kind: 'error', errorType: headerOf(req, 'lambda-runtime-function-error-type') ?? 'Unhandled', body: body.data });
  }

  private async onInitError(req: http.IncomingMessage, res: http.ServerResponse) {
    const body = await readBody(req, MAX_RESPONSE_BYTES);
    reply(res, 202, { status: 'OK' });
    this.listener.onInitError(headerOf(req, 'lambda-runtime-function-error-type') ?? 'Runtime.Unknown', body.data);
  }
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
