import type http from 'node:http';
import type { InvocationResult, ResponseSink } from '../context/invocation';
import { RequestTooLargeException } from '../errors';
import { readBody } from '../http/read-body';
import { writeOrWait } from './drain';
import { EVENT_STREAM_CONTENT_TYPE, invokeComplete, payloadChunk } from './event-stream';
import { checkFunctionRef, resolveFunction, throwViolations, type RawFunctionRef } from './function-ref';
import { lookup, MAX_REQUEST_BYTES, type InvokeApiInvoker } from './invoke';
import { clientContext, header, LOG_TYPES } from './invoke-params';
import { parsePayload } from './payload';
import { Violations } from './validation';

/** InvokeWithResponseStream takes no Event invocations. */
const STREAM_INVOCATION_TYPES = ['RequestResponse', 'DryRun'] as const;
/** Big writes are split so no event nears the codec's 16 MB message limit. */
const MAX_EVENT_PAYLOAD = 256 * 1024;

/**
 * POST /2021-11-15/functions/{name}/response-streaming-invocations: PayloadChunk events as the
 * function writes, then InvokeComplete. Refusals before the stream are Lambda's JSON errors.
 */
export async function invokeWithResponseStream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: { invoker: InvokeApiInvoker; region: string },
  ref: RawFunctionRef,
  requestId: string,
): Promise<void> {
  const v = new Violations();
  checkFunctionRef(ref, v);
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  const logType = header(req, 'x-amz-log-type') ?? 'None';
  v.oneOf('invocationType', type, STREAM_INVOCATION_TYPES).oneOf('logType', logType, LOG_TYPES);
  throwViolations(v);
  const body = await readBody(req, { limit: MAX_REQUEST_BYTES });
  if (body.kind === 'aborted' || body.kind === 'timeout') return;
  if (body.kind === 'too-large') {
    throw new RequestTooLargeException(`${body.bytes} byte payload is too large for the RequestResponse invocation type (limit ${MAX_REQUEST_BYTES} bytes)`);
  }
  const fn = resolveFunction(ref, deps.region, (name) => lookup(deps.invoker, name));
  const payload = parsePayload(body.data);
  const context = clientContext(req);
  const common = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
  if (type === 'DryRun') {
    res.writeHead(204, common);
    return void res.end();
  }
  const out = eventStreamResponse(res, common);
  const result = await deps.invoker.invoke(fn.name, { payload, clientContext: context, tail: logType === 'Tail', requestId, responseSink: out.sink });
  await out.complete(result);
}

/** The HTTP answer: headers when the stream starts (or when a buffered result comes), events after. */
function eventStreamResponse(res: http.ServerResponse, common: Record<string, string>) {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { ...common, 'content-type': EVENT_STREAM_CONTENT_TYPE });
    res.flushHeaders();
  };
  const writeChunk = async (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i += MAX_EVENT_PAYLOAD) await writeOrWait(res, payloadChunk(chunk.subarray(i, i + MAX_EVENT_PAYLOAD)));
  };
  const sink: ResponseSink = {
    start,
    write: writeChunk,
    end: () => undefined, // the result (after the log's END/REPORT when the tail is asked for) ends it
  };
  return {
    sink,
    async complete(result: InvocationResult): Promise<void> {
      const streamed = started;
      start();
      if (res.destroyed) return;
      // A handler that does not stream answers whole: one chunk, as Lambda sends it.
      if (!streamed && !result.errorType && result.payload.length > 0) await writeChunk(result.payload).catch(() => undefined);
      res.end(invokeComplete({ ...errorFields(result), ...(result.logTail !== undefined ? { LogResult: result.logTail } : {}) }));
    },
  };
}

/** ErrorCode is the error's type (Sandbox.Timedout, Runtime.ExitError, the function's own), ErrorDetails its message. */
function errorFields(result: InvocationResult): { ErrorCode?: string; ErrorDetails?: string } {
  if (!result.errorType) return {};
  const text = result.payload.toString('utf8');
  try {
    const j = JSON.parse(text) as { errorMessage?: unknown };
    if (typeof j.errorMessage === 'string') return { ErrorCode: result.errorType, ErrorDetails: j.errorMessage };
  } catch {
    /* not JSON: the text itself */
  }
  return { ErrorCode: result.errorType, ErrorDetails: text };
}
