import type http from 'node:http';
import { INVOKE, readInvokeRequest, type InvokeRoute } from './invoke-request';

/** POST /2015-03-31/functions/{name}/invocations, checked as Lambda checks it, in Lambda's order. */
export const invoke: InvokeRoute = async (req, res, api, ref, requestId) => {
  const call = await readInvokeRequest(req, res, api, INVOKE, ref, requestId);
  if (!call) return;
  if (call.type === 'Event') {
    api.invoker.invokeEvent(call.fn, call.request);
    res.writeHead(202, { ...call.headers, 'content-length': 0 });
    return void res.end();
  }
  const result = await api.invoker.invoke(call.fn, call.request);
  const headers: http.OutgoingHttpHeaders = {
    ...call.headers,
    'content-type': 'application/json',
    'content-length': result.payload.length,
  };
  if (result.errorType) headers['x-amz-function-error'] = 'Unhandled';
  if (result.logTail !== undefined) headers['x-amz-log-result'] = result.logTail;
  res.writeHead(200, headers);
  res.end(result.payload);
};
