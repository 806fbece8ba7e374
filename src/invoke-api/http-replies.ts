import type { ServerResponse } from 'node:http';
import type { ServiceError } from '../errors';
import { sendJson } from '../http/replies';

export { sendJson };

/** Lambda's error shape: status, x-amzn-ErrorType and a JSON body with Type and message. */
export function sendServiceError(res: ServerResponse, err: ServiceError, requestId: string): void {
  sendJson(res, err.statusCode, err.toBody(), { 'x-amzn-errortype': err.name, 'x-amzn-requestid': requestId });
}
