import type { IncomingMessage } from 'node:http';
import { InvalidRequestContentException } from '../errors';

export const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const;
export const LOG_TYPES = ['Tail', 'None'] as const;
export type InvocationType = (typeof INVOCATION_TYPES)[number];

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
