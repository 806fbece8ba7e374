import type http from 'node:http';
import type { InvocationResult, ResponseSink } from '../context/invocation';
import { ServiceError } from '../errors';
import { MAX_SYNC_PAYLOAD_BYTES } from '../lambda-limits';
import { writeOrWait } from './drain';
import { lookupFunction, readRequestBody, type InvokeApiInvoker } from './invoke-request';
import { HTTP_INTEGRATION_CONTENT_TYPE, PreludeReader } from './url-prelude';
import { urlEvent } from './url-event';
import { INTERNAL_SERVER_ERROR, mapUrlResponse, type UrlReply } from './url-response';

/** `/urls/{name}/{path...}`: where `up` serves the function URLs (docs/invoke-api.md). */
export const URL_PREFIX = '/urls/';

export interface UrlDeps {
  invoker: InvokeApiInvoker;
  onError(err: unknown): void;
}

/** A function URL request: Lambda's event (payload format 2.0) in, Lambda's response mapping out. */
export async function serveFunctionUrl(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: UrlDeps,
  requestId: string,
): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).slice(URL_PREFIX.length);
  const slash = path.indexOf('/');
  const name = decodeOr(slash < 0 ? path : path.slice(0, slash));
  const fn = lookupFunction(deps.invoker, name);
  const common = { 'x-amzn-requestid': requestId };
  if (!fn?.url) {
    req.resume();
    return reply(res, { status: 404, headers: { ...common, 'content-type': 'application/json' }, body: Buffer.from('{"Message":null}') });
  }
  const body = await readRequestBody(req);
  if (body.kind === 'aborted' || body.kind === 'timeout') return;
  const tooLarge: UrlReply = {
    status: 413,
    headers: { ...common, 'content-type': 'application/json' },
    body: Buffer.from('{"Message":"Request Entity Too Large"}'),
  };
  if (body.kind === 'too-large') return reply(res, tooLarge, true);
  const event = urlEvent(req, {
    functionName: fn.name,
    rawPath: slash < 0 ? '/' : path.slice(slash),
    rawQueryString: q < 0 ? '' : url.slice(q + 1),
    body: body.data,
    requestId,
    now: new Date(),
  });
  const payload = Buffer.from(JSON.stringify(event));
  // The event itself is what Lambda limits (a base64 body grows by a third).
  if (payload.length > MAX_SYNC_PAYLOAD_BYTES) return reply(res, tooLarge);
  const streaming = fn.url.invokeMode === 'RESPONSE_STREAM' ? streamedReply(res, common) : undefined;
  let result: InvocationResult;
  try {
    result = await deps.invoker.invoke(fn, { payload, requestId, tail: false, responseSink: streaming?.sink });
  } catch (err) {
    if (!(err instanceof ServiceError) || err.statusCode >= 500) deps.onError(err);
    if (res.headersSent) return void res.destroy();
    return reply(res, refusal(err, common));
  }
  if (streaming?.started()) return streaming.finish(result);
  reply(res, withHeaders(result.errorType ? INTERNAL_SERVER_ERROR : mapUrlResponse(result.payload), common));
}

/** RESPONSE_STREAM: the status and headers from the prelude (or the stream's content type), the body as written. */
function streamedReply(res: http.ServerResponse, common: Record<string, string>) {
  let started = false;
  let prelude: PreludeReader | undefined;
  let rawType: string | undefined;
  let invalid = false;
  let failed = false;
  const sink: ResponseSink = {
    start(contentType) {
      started = true;
      if (contentType === HTTP_INTEGRATION_CONTENT_TYPE) prelude = new PreludeReader();
      else rawType = contentType ?? 'application/octet-stream';
    },
    async write(chunk) {
      if (invalid || chunk.length === 0) return;
      // The status goes with the first byte: a failure before it is still a 502.
      if (rawType !== undefined && !res.headersSent) send(200, { 'content-type': rawType });
      if (prelude) {
        const step = prelude.feed(chunk);
        if (step.kind === 'more') return;
        prelude = undefined;
        if (step.kind === 'invalid') {
          invalid = true;
          return;
        }
        send(step.head.status, step.head.headers);
        chunk = step.rest;
        if (chunk.length === 0) return;
      }
      await writeOrWait(res, chunk);
    },
    end(error) {
      failed = error !== undefined;
    },
  };
  const send = (status: number, headers: http.OutgoingHttpHeaders) => {
    res.writeHead(status, { ...headers, ...common });
    res.flushHeaders();
  };
  return {
    sink,
    started: () => started,
    finish(result: InvocationResult): void {
      if (res.headersSent) {
        // Mid-stream, the status is gone: the body is cut short (no last chunk), as a client can tell.
        if (failed || result.errorType) return void res.destroy();
        return void res.end();
      }
      // Nothing of the body went out: a failure or an unusable prelude is still a 502.
      if (failed || result.errorType || invalid || (prelude?.pending() ?? 0) > 0)
        return reply(res, withHeaders(INTERNAL_SERVER_ERROR, common));
      reply(res, { status: 200, headers: { ...common, 'content-type': rawType ?? 'application/octet-stream' }, body: Buffer.alloc(0) });
    },
  };
}

/** Throttling and the like, as a function URL answers them. */
function refusal(err: unknown, common: Record<string, string>): UrlReply {
  const headers = { ...common, 'content-type': 'application/json' };
  if (err instanceof ServiceError && err.statusCode === 429)
    return { status: 429, headers, body: Buffer.from('{"Message":"Rate Exceeded."}') };
  if (err instanceof ServiceError && err.statusCode === 413)
    return { status: 413, headers, body: Buffer.from('{"Message":"Request Entity Too Large"}') };
  return withHeaders(INTERNAL_SERVER_ERROR, common);
}

function withHeaders(r: UrlReply, extra: Record<string, string>): UrlReply {
  return { ...r, headers: { ...r.headers, ...extra } };
}

function reply(res: http.ServerResponse, r: UrlReply, close = false): void {
  res.writeHead(r.status, { ...r.headers, 'content-length': r.body.length, ...(close ? { connection: 'close' } : {}) });
  res.end(r.body);
}

function decodeOr(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
