import type { ServerResponse } from 'node:http';
import type { ServiceError } from '../errors';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Lambda's error shape: status, x-amzn-ErrorType and a JSON body with Type and message. */
export function sendServiceError(res: ServerResponse, err: ServiceError, requestId: string): void {
  sendJson(res, err.statusCode, err.toBody(), { 'x-amzn-errortype': err.name, 'x-amzn-requestid': requestId });
}
