import { FunctionError, ResponseSizeTooLarge, RuntimeExitError, SandboxTimedout } from '../errors';
import { MAX_RESPONSE_BYTES, type RuntimeOutcome } from '../runtime-api/types';
import type { ContainerExit } from './context-container';

/** How an invocation ended: the runtime answered, the time ran out, or the container died. */
export type InvocationOutcome = RuntimeOutcome | { kind: 'timeout' } | { kind: 'exit'; exit: ContainerExit };

/** The runtime exited before its init finished. */
export class InitExited extends Error {
  constructor(readonly exit: ContainerExit) {
    super(`runtime exited during init: ${exitDetail(exit)}`);
  }
}

/**
 * Lambda's wording (Go's os/exec): "signal: killed" or "exit status N". Docker reports a death by
 * signal as 128 + N, so only the signals that really kill runtimes read as signals: Node.js's
 * runtime exits with 128/129 on purpose (unhandled rejection, uncaught exception).
 */
export function exitDetail(exit: ContainerExit): string {
  if (exit.oomKilled) return 'signal: killed';
  const signal = FATAL_SIGNALS[exit.statusCode - 128];
  return signal ? `signal: ${signal}` : `exit status ${exit.statusCode}`;
}

const FATAL_SIGNALS: Record<number, string> = {
  4: 'illegal instruction',
  6: 'aborted',
  7: 'bus error',
  8: 'floating point exception',
  9: 'killed',
  11: 'segmentation fault',
  15: 'terminated',
};

export function parseFunctionError(errorType: string, body: Buffer): FunctionError {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errorType?: string; errorMessage?: string; trace?: string[] };
    return new FunctionError(j.errorType ?? errorType, j.errorMessage ?? '', Array.isArray(j.trace) ? j.trace : []);
  } catch {
    return new FunctionError(errorType, body.toString('utf8'));
  }
}

/** What the caller gets for an outcome: the response, or Lambda's error body and type. */
export function outcomePayload(
  outcome: InvocationOutcome,
  requestId: string,
  timeoutSeconds: number,
): { payload: Buffer; errorType?: string } {
  switch (outcome.kind) {
    case 'response':
      return { payload: outcome.body };
    case 'error': {
      const fe = parseFunctionError(outcome.errorType, outcome.body);
      return { payload: outcome.body.length > 0 ? outcome.body : errorBody(fe), errorType: fe.errorType };
    }
    case 'too-large':
      return errorPayload(new ResponseSizeTooLarge(MAX_RESPONSE_BYTES));
    case 'timeout':
      return errorPayload(new SandboxTimedout(requestId, timeoutSeconds));
    case 'exit':
      return errorPayload(new RuntimeExitError(requestId, exitDetail(outcome.exit)));
  }
}

export function errorPayload(err: FunctionError): { payload: Buffer; errorType: string } {
  return { payload: errorBody(err), errorType: err.errorType };
}

function errorBody(err: FunctionError): Buffer {
  return Buffer.from(JSON.stringify(err.toPayload()));
}
