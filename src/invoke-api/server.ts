import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ServiceError, ServiceException } from '../errors';
import { discardBody } from '../http/read-body';
import { connectionCount, guardedServer, listen } from '../http/guarded-server';
import { functionConfiguration } from './function-configuration';
import { checkFunctionRef, resolveFunction, throwViolations, type RawFunctionRef } from './function-ref';
import { sendJson, sendServiceError } from './http-replies';
import { invoke } from './invoke';
import { lookupFunction, type InvokeApiInvoker } from './invoke-request';
import { invokeWithResponseStream } from './invoke-stream';
import { serveFunctionUrl, URL_PREFIX } from './function-url';
import { INVOKE_API_LIMITS, type InvokeApiLimits } from './limits';
import { Violations } from './validation';

export type { InvokeApiInvoker } from './invoke-request';

export interface InvokeApiDeps {
  invoker: InvokeApiInvoker;
  region: string;
  /** Rows for `orchestrator ps` (not part of Lambda's API). */
  contexts(): Promise<unknown>;
  /** A failure of ours (500): said once, with its stack. A client's mistake (4xx) is not logged. */
  onError(err: unknown): void;
  limits?: Partial<InvokeApiLimits>;
}

/** The subset of Lambda's 2015-03-31 REST API that users and SDKs talk to (docs/invoke-api.md). */
export class InvokeApiServer {
  private constructor(
    private readonly server: http.Server,
    /** Requests not answered yet, with their request ids; `stop` answers them. */
    private readonly inFlight: Map<http.ServerResponse, string>,
    private readonly state: { stopping: boolean },
  ) {}

  static async listen(host: string, port: number, deps: InvokeApiDeps): Promise<InvokeApiServer> {
    const limits = { ...INVOKE_API_LIMITS, ...deps.limits };
    const inFlight = new Map<http.ServerResponse, string>();
    const state = { stopping: false };
    // A full server closes its oldest idle connection for a new one: idle sockets lock nobody out.
    const server = guardedServer({ ...limits, evictIdle: true }, (req, res) => {
      const requestId = randomUUID();
      inFlight.set(res, requestId);
      res.on('finish', () => inFlight.delete(res));
      res.on('close', () => inFlight.delete(res));
      route(req, res, deps, requestId).catch((err: unknown) => {
        if (state.stopping && (res.writableEnded || res.destroyed)) return; // stop() answered it already
        const se = err instanceof ServiceError ? err : new ServiceException(`internal error: ${messageOf(err)}`);
        if (se.statusCode >= 500) deps.onError(err);
        if (!res.headersSent) sendServiceError(res, se, requestId);
        else res.destroy();
      });
    });
    await listen(server, port, host, (err) => deps.onError(err));
    return new InvokeApiServer(server, inFlight, state);
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** Open connections (within limits.maxConnections). */
  connections(): Promise<number> {
    return connectionCount(this.server);
  }

  /**
   * Stops for good within about `flushMs`, whatever the clients hold open: no new connection is
   * accepted, calls in flight are answered with ServiceException (a streamed one whose headers went
   * out is cut off), idle keep-alive sockets are closed, and those still open after `flushMs` are
   * destroyed. What the cut-off calls produce later is dropped.
   */
  async stop(flushMs: number): Promise<void> {
    this.state.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    for (const [res, requestId] of this.inFlight) {
      if (res.headersSent) {
        res.destroy();
        continue;
      }
      res.setHeader('connection', 'close');
      sendServiceError(res, new ServiceException('the orchestrator is stopping: this invocation was cut off'), requestId);
    }
    this.inFlight.clear();
    const timer = setTimeout(() => this.server.closeAllConnections(), flushMs);
    await closed;
    clearTimeout(timer);
  }

  /** Waits for the calls in flight to end (tests; `stop` is the orchestrator's). */
  async close(): Promise<void> {
    this.server.closeIdleConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const STREAM_INVOKE = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations\/?$/;
const GET_FN = /^\/2015-03-31\/functions\/([^/]+)\/?$/;
const LIST = /^\/2015-03-31\/functions\/?$/;

async function route(req: http.IncomingMessage, res: http.ServerResponse, deps: InvokeApiDeps, requestId: string) {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const [path, query] = q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
  const refOf = (segment: string): RawFunctionRef => ({
    pathSegment: segment,
    queryQualifier: new URLSearchParams(query).get('Qualifier'),
  });
  let m: RegExpExecArray | null;
  if (req.method === 'POST' && (m = INVOKE.exec(path))) return invoke(req, res, deps, refOf(m[1]), requestId);
  if (req.method === 'POST' && (m = STREAM_INVOKE.exec(path))) return invokeWithResponseStream(req, res, deps, refOf(m[1]), requestId);
  if (path.startsWith(URL_PREFIX)) return serveFunctionUrl(req, res, deps, requestId);
  discardBody(req, 0);
  if (req.method === 'GET' && LIST.test(path)) {
    const fns = [...deps.invoker.all()].map((fn) => functionConfiguration(fn, deps.region));
    return sendJson(res, 200, { Functions: fns, NextMarker: null });
  }
  if (req.method === 'GET' && path === '/orchestrator/contexts') return sendJson(res, 200, await deps.contexts());
  if (req.method === 'GET' && (m = GET_FN.exec(path))) return getFunction(res, deps, refOf(m[1]));
  throw new ServiceError('UnknownOperationException', 404, `Unknown operation ${String(req.method)} ${path.slice(0, 200)}`);
}

function getFunction(res: http.ServerResponse, deps: InvokeApiDeps, ref: RawFunctionRef): void {
  const v = new Violations();
  checkFunctionRef(ref, v);
  throwViolations(v);
  const fn = resolveFunction(ref, deps.region, (name) => lookupFunction(deps.invoker, name));
  const body: Record<string, unknown> = {
    Configuration: functionConfiguration(fn, deps.region),
    Code: { RepositoryType: 'S3', Location: `file://${fn.codeDir}` },
  };
  if (fn.reservedConcurrency !== undefined) body.Concurrency = { ReservedConcurrentExecutions: fn.reservedConcurrency };
  sendJson(res, 200, body);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
