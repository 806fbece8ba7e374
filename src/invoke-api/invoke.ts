import type http from 'node:http';
import type { FunctionConfig } from '../config/types';
import { RequestTooLargeException, ResourceNotFoundException } from '../errors';
import { readBody } from '../http/read-body';
import type { Invoker } from '../invocation/invoker';
import { checkFunctionRef, resolveFunction, throwViolations, type RawFunctionRef } from './function-ref';
import { clientContext, invokeParams } from './invoke-params';
import { parsePayload } from './payload';
import { Violations } from './validation';

/** Lambda's limit on a synchronous request payload. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** What the Invoke API needs of the Invoker. */
export type InvokeApiInvoker = Pick<Invoker, 'all' | 'fn' | 'invoke' | 'invokeEvent'>;

/** POST /2015-03-31/functions/{name}/invocations, checked as Lambda checks it, in Lambda's order. */
export async function invoke(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: { invoker: InvokeApiInvoker; region: string },
  ref: RawFunctionRef,
  requestId: string,
): Promise<void> {
  const v = new Violations();
  checkFunctionRef(ref, v);
  const params = invokeParams(req, v);
  throwViolations(v);
  const body = await readBody(req, { limit: MAX_REQUEST_BYTES });
  if (body.kind === 'aborted' || body.kind === 'timeout') return; // the client left: nobody to answer
  if (body.kind === 'too-large') {
    throw new RequestTooLargeException(
      `${body.bytes} byte payload is too large for the ${params.type === 'Event' ? 'Event' : 'RequestResponse'} invocation type (limit ${MAX_REQUEST_BYTES} bytes)`,
    );
  }
  const fn = resolveFunction(ref, deps.region, (name) => lookup(deps.invoker, name));
  const payload = parsePayload(body.data);
  const context = clientContext(req);
  const common = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
  if (params.type === 'DryRun') {
    res.writeHead(204, common);
    return void res.end();
  }
  if (params.type === 'Event') {
    deps.invoker.invokeEvent(fn.name, { payload, clientContext: context, requestId });
    res.writeHead(202, { ...common, 'content-length': 0 });
    return void res.end();
  }
  const result = await deps.invoker.invoke(fn.name, { payload, clientContext: context, tail: params.tail, requestId });
  const headers: http.OutgoingHttpHeaders = { ...common, 'content-type': 'application/json', 'content-length': result.payload.length };
  if (result.errorType) headers['x-amz-function-error'] = 'Unhandled';
  if (result.logTail !== undefined) headers['x-amz-log-result'] = result.logTail;
  res.writeHead(200, headers);
  res.end(result.payload);
}

/** The invoker's view of the name (it may know aliases); unknown: undefined. */
export function lookup(invoker: InvokeApiInvoker, name: string): FunctionConfig | undefined {
  try {
    return invoker.fn(name);
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}
