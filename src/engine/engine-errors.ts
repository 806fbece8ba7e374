import type Docker from 'dockerode';
import { ServiceException } from '../errors';
import { dockerEndpoint } from './client';

/** Socket-level failures: the engine is not there (stopped, socket gone, network down). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** True for an error that says the Docker engine could not be reached (not an engine answer). */
export function isEngineUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object' || e.statusCode !== undefined) return false;
  return (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) || e.message === 'socket hang up';
}

/** `err` as Lambda's 500 ServiceException when the engine is unreachable; other errors unchanged. */
export function asEngineError(docker: Pick<Docker, 'modem'>, err: unknown): unknown {
  if (!isEngineUnreachable(err)) return err;
  return new ServiceException(`Docker engine unreachable at ${dockerEndpoint(docker as Docker)}: ${(err as Error).message}`);
}
