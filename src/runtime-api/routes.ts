import { noRoute } from '../http/api-errors';
import { clip } from '../http/request';

/** The Runtime API's routes, parsed without trusting anything in the request line. */
export type RuntimeRoute =
  | { kind: 'next' }
  | { kind: 'result'; requestId: string; result: 'response' | 'error' }
  | { kind: 'init-error' }
  /** Ours, not Lambda's: a stem's runtime waits here to be claimed (`_ORCHESTRATOR_STEM`). */
  | { kind: 'claim' }
  | { kind: 'invalid'; status: number; errorType: string; errorMessage: string };

const PREFIX = '/2018-06-01/runtime';
const RESULT = /^\/2018-06-01\/runtime\/invocation\/([^/?]+)\/(response|error)$/;

export function runtimeRoute(method: string | undefined, url: string | undefined): RuntimeRoute {
  const path = (url ?? '').split('?')[0];
  if (method === 'GET' && path === `${PREFIX}/invocation/next`) return { kind: 'next' };
  if (method === 'POST' && path === `${PREFIX}/init/error`) return { kind: 'init-error' };
  if (method === 'GET' && path === `${PREFIX}/orchestrator/claim`) return { kind: 'claim' };
  const m = RESULT.exec(path);
  if (method === 'POST' && m) {
    const requestId = decode(m[1]);
    if (requestId === undefined) return invalidRequestId(m[1]);
    return { kind: 'result', requestId, result: m[2] as 'response' | 'error' };
  }
  return { kind: 'invalid', ...noRoute(method, path) };
}

export function invalidRequestId(raw: string): RuntimeRoute & { kind: 'invalid' } {
  return { kind: 'invalid', status: 400, errorType: 'InvalidRequestID', errorMessage: `invalid request id ${clip(raw)}` };
}

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined; // a malformed escape (%zz): no invocation has that id
  }
}
