import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { InvalidRequestContentException, RequestTooLargeException, ServiceError, ServiceException } from '../errors';
import { readBody } from '../http/read-body';
import type { Invoker } from '../invocation/invoker';
import { functionConfiguration } from './function-configuration';
import { sendJson, sendServiceError } from './http-replies';

/** Lambda's limit on a synchronous request payload. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

export interface InvokeApiDeps {
  invoker: Invoker;
  region: string;
  /** Rows for `orchestrator ps` (not part of Lambda's API). */
  contexts(): Promise<unknown>;
  onError(err: unknown): void;
}

/** The subset of Lambda's 2015-03-31 REST API that users and SDKs talk to (CONTRACT section 3). */
export class InvokeApiServer {
  private constructor(private readonly server: http.Server) {}

  static async listen(host: string, port: number, deps: InvokeApiDeps): Promise<InvokeApiServer> {
    const server = http.createServer((req, res) => {
      const requestId = randomUUID();
      route(req, res, deps, requestId).catch((err: unknown) => {
        const se = err instanceof ServiceError ? err : new ServiceException(`internal error: ${(err as Error).message}`);
        if (se.statusCode >= 500) deps.onError(err); // the caller's own mistakes (4xx) are not ours to log
        if (!res.headersSent) sendServiceError(res, se, requestId);
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    server.requestTimeout = 0; // an invocation may run for 900 s
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return new InvokeApiServer(server);
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  async close(): Promise<void> {
    this.server.closeIdleConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const GET_FN = /^\/2015-03-31\/functions\/([^/]+)\/?$/;
const LIST = /^\/2015-03-31\/functions\/?$/;

async function route(req: http.IncomingMessage, res: http.ServerResponse, deps: InvokeApiDeps, requestId: string) {
  const path = (req.url ?? '/').split('?')[0];
  let m: RegExpExecArray | null;
  if (req.method === 'POST' && (m = INVOKE.exec(path))) return invoke(req, res, deps, functionName(m[1]), requestId);
  if (req.method === 'GET' && LIST.test(path)) {
    const fns = [...deps.invoker.all()].map((fn) => functionConfiguration(fn, deps.region));
    return sendJson(res, 200, { Functions: fns, NextMarker: null });
  }
  if (req.method === 'GET' && path === '/orchestrator/contexts') return sendJson(res, 200, await deps.contexts());
  if (req.method === 'GET' && (m = GET_FN.exec(path))) {
    const fn = deps.invoker.fn(functionName(m[1]));
    const body: Record<string, unknown> = {
      Configuration: functionConfiguration(fn, deps.region),
      Code: { RepositoryType: 'S3', Location: `file://${fn.codeDir}` },
    };
    if (fn.reservedConcurrency !== undefined) body.Concurrency = { ReservedConcurrentExecutions: fn.reservedConcurrency };
    return sendJson(res, 200, body);
  }
  req.resume();
  throw new ServiceError('UnknownOperationException', 404, `Unknown operation ${req.method} ${path}`);
}

async function invoke(req: http.IncomingMessage, res: http.ServerResponse, deps: InvokeApiDeps, name: string, requestId: string) {
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body.tooLarge) {
    throw new RequestTooLargeException(
      `${body.bytes} byte payload is too large for the ${type === 'Event' ? 'Event' : 'RequestResponse'} invocation type (limit ${MAX_REQUEST_BYTES} bytes)`,
    );
  }
  const fn = deps.invoker.fn(name);
  const payload = body.data.length > 0 ? body.data : Buffer.from('{}');
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new InvalidRequestContentException(`Could not parse request body into json: ${(err as Error).message}`);
  }
  const clientContext = decodeClientContext(header(req, 'x-amz-client-context'));
  const common = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
  if (type === 'DryRun') {
    res.writeHead(204, common);
    return res.end();
  }
  if (type === 'Event') {
    deps.invoker.invokeEvent(fn.name, { payload, clientContext, requestId });
    res.writeHead(202, { ...common, 'content-length': 0 });
    return res.end();
  }
  if (type !== 'RequestResponse') {
    throw new InvalidRequestContentException(`Unsupported invocation type ${type}`);
  }
  const tail = header(req, 'x-amz-log-type') === 'Tail';
  const result = await deps.invoker.invoke(fn.name, { payload, clientContext, tail, requestId });
  const headers: http.OutgoingHttpHeaders = { ...common, 'content-type': 'application/json', 'content-length': result.payload.length };
  if (result.errorType) headers['x-amz-function-error'] = 'Unhandled';
  if (result.logTail !== undefined) headers['x-amz-log-result'] = result.logTail;
  res.writeHead(200, headers);
  res.end(result.payload);
}

/** The path may hold a name, a name:qualifier or a full ARN. */
function functionName(raw: string): string {
  const s = decodeURIComponent(raw);
  const arn = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(:.*)?$/.exec(s);
  if (arn) return arn[1];
  return s.split(':')[0];
}

function decodeClientContext(b64: string | undefined): string | undefined {
  if (!b64) return undefined;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.');
  }
  return text;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
