import type http from 'node:http';
import type { FunctionConfig } from '../config/types';
import type { InvocationRequest } from '../context/invocation';
import { RequestTooLargeException, ResourceNotFoundException } from '../errors';
import { readBody, type BodyRead } from '../http/read-body';
import type { Invoker } from '../invocation/invoker';
import { LATEST_VERSION, MAX_SYNC_PAYLOAD_BYTES } from '../lambda-limits';
import { checkFunctionRef, resolveFunction, throwViolations, type RawFunctionRef } from './function-ref';
import { clientContext, header, INVOCATION_TYPES, LOG_TYPES, type InvocationType } from './invoke-params';
import { parsePayload } from './payload';
import { Violations } from './validation';

/** What the Invoke API needs of the Invoker. */
export type InvokeApiInvoker = Pick<Invoker, 'all' | 'fn' | 'invoke' | 'invokeEvent'>;

export interface InvokeApiContext {
  invoker: InvokeApiInvoker;
  region: string;
}

/** An operation's own rules: the invocation types it takes. */
export interface InvokeOperation {
  invocationTypes: readonly InvocationType[];
}

/** An Invoke API operation's handler, given the function reference from its path. */
export type InvokeRoute = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  api: InvokeApiContext,
  ref: RawFunctionRef,
  requestId: string,
) => Promise<void>;

export const INVOKE: InvokeOperation = { invocationTypes: INVOCATION_TYPES };
/** InvokeWithResponseStream takes no Event invocations. */
export const INVOKE_WITH_RESPONSE_STREAM: InvokeOperation = { invocationTypes: ['RequestResponse', 'DryRun'] };

/** A request read and checked: the function, resolved once, and the request the pool runs as it is. */
export interface InvokeCall {
  fn: FunctionConfig;
  type: 'RequestResponse' | 'Event';
  request: InvocationRequest;
  /** x-amzn-RequestId and X-Amz-Executed-Version, on every answer. */
  headers: Record<string, string>;
}

/**
 * Reads an Invoke or InvokeWithResponseStream request and checks it as Lambda does, in Lambda's
 * order: the name and qualifier, the headers, the body's size, the function, the payload, the
 * client context. A refusal throws Lambda's error; DryRun is answered here (204). Undefined: nothing
 * to run (DryRun answered, or the client went away mid-body and there is nobody to answer).
 */
export async function readInvokeRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  api: InvokeApiContext,
  op: InvokeOperation,
  ref: RawFunctionRef,
  requestId: string,
): Promise<InvokeCall | undefined> {
  const v = new Violations();
  checkFunctionRef(ref, v);
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  const logType = header(req, 'x-amz-log-type') ?? 'None';
  v.oneOf('invocationType', type, op.invocationTypes).oneOf('logType', logType, LOG_TYPES);
  throwViolations(v);
  const body = await readRequestBody(req);
  if (body.kind === 'aborted' || body.kind === 'timeout') return undefined;
  if (body.kind === 'too-large') {
    throw new RequestTooLargeException(
      `${body.bytes} byte payload is too large for the ${type === 'Event' ? 'Event' : 'RequestResponse'} invocation type (limit ${MAX_SYNC_PAYLOAD_BYTES} bytes)`,
    );
  }
  const fn = resolveFunction(ref, api.region, (name) => lookupFunction(api.invoker, name));
  const payload = parsePayload(body.data);
  const context = clientContext(req);
  const headers = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': LATEST_VERSION };
  if (type === 'DryRun') {
    res.writeHead(204, headers);
    res.end();
    return undefined;
  }
  return {
    fn,
    type: type as InvokeCall['type'],
    request: { requestId, payload, clientContext: context, tail: logType === 'Tail' },
    headers,
  };
}

/**
 * A request body within Lambda's synchronous payload limit (6 MB), for Invoke,
 * InvokeWithResponseStream and function URLs alike (Event takes the same today: docs/invoke-api.md).
 */
export function readRequestBody(req: http.IncomingMessage): Promise<BodyRead> {
  return readBody(req, { limit: MAX_SYNC_PAYLOAD_BYTES });
}

/** The invoker's view of the name (it may know other names of a function); unknown: undefined. */
export function lookupFunction(invoker: Pick<InvokeApiInvoker, 'fn'>, name: string): FunctionConfig | undefined {
  try {
    return invoker.fn(name);
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}
