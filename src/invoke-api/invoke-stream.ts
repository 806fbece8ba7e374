import type http from 'node:http';
import type { InvocationResult, ResponseSink } from '../context/invocation';
import { MAX_EVENT_PAYLOAD_BYTES } from '../lambda-limits';
import { writeOrWait } from './drain';
import { EVENT_STREAM_CONTENT_TYPE, invokeComplete, payloadChunk } from './event-stream';
import { INVOKE_WITH_RESPONSE_STREAM, readInvokeRequest, type InvokeRoute } from './invoke-request';

/**
 * POST /2021-11-15/functions/{name}/response-streaming-invocations: PayloadChunk events as the
 * function writes, then InvokeComplete. Refusals before the stream are Lambda's JSON errors.
 */
export const invokeWithResponseStream: InvokeRoute = async (req, res, api, ref, requestId) => {
  const call = await readInvokeRequest(req, res, api, INVOKE_WITH_RESPONSE_STREAM, ref, requestId);
  if (!call) return;
  const out = eventStreamResponse(res, call.headers);
  const result = await api.invoker.invoke(call.fn, { ...call.request, responseSink: out.sink });
  await out.complete(result);
};

/** The HTTP answer: headers when the stream starts (or when a buffered result comes), events after. */
function eventStreamResponse(res: http.ServerResponse, common: Record<string, string>) {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { ...common, 'content-type': EVENT_STREAM_CONTENT_TYPE });
    res.flushHeaders();
  };
  // Big writes are split, so no event nears the codec's 16 MB message limit (docs/invoke-api.md).
  const writeChunk = async (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i += MAX_EVENT_PAYLOAD_BYTES)
      await writeOrWait(res, payloadChunk(chunk.subarray(i, i + MAX_EVENT_PAYLOAD_BYTES)));
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
