import type { IncomingMessage } from 'node:http';
import { InvalidRequestContentException } from '../errors';
import type { Violations } from './validation';

export const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const;
export const LOG_TYPES = ['Tail', 'None'] as const;
export type InvocationType = (typeof INVOCATION_TYPES)[number];

export interface InvokeParams {
  type: InvocationType;
  tail: boolean;
  /** X-Amz-Client-Context, decoded: JSON text. */
  clientContext?: string;
}

/** Reads X-Amz-Invocation-Type and X-Amz-Log-Type, adding their violations of Lambda's model to `v`. */
export function invokeParams(req: IncomingMessage, v: Violations): Omit<InvokeParams, 'clientContext'> {
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  const logType = header(req, 'x-amz-log-type') ?? 'None';
  v.oneOf('invocationType', type, INVOCATION_TYPES).oneOf('logType', logType, LOG_TYPES);
  return { type: type as InvocationType, tail: logType === 'Tail' };
}

export function clientContext(req: IncomingMessage): string | undefined {
  const b64 = header(req, 'x-amz-client-context');
  if (!b64) return undefined;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.');
  }
  return text;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
