import type { ServerResponse } from 'node:http';
import { clip } from './request';
import { sendJson, sendJsonAndClose } from './replies';

/**
 * The answers of a context's Runtime API and of the Extensions and Telemetry APIs served beside it
 * (docs/lifecycle.md): errors as Lambda's Runtime API renders them, `{errorMessage, errorType}`.
 */
export interface ApiError {
  status: number;
  errorType: string;
  errorMessage: string;
}

export function apiError(status: number, errorType: string, errorMessage: string): ApiError {
  return { status, errorType, errorMessage };
}

/** A path none of the APIs serves. */
export function noRoute(method: string | undefined, path: string): ApiError {
  return apiError(404, 'InvalidRequest', `no route ${String(method)} ${clip(path)}`);
}

export function tooLarge(limit: number): ApiError {
  return apiError(413, 'RequestEntityTooLarge', `Exceeded maximum allowed payload size (${limit} bytes).`);
}

/** Answers an error, unless an answer has already begun or the client is gone. */
export function sendApiError(res: ServerResponse, e: ApiError): void {
  if (res.headersSent || res.destroyed) return;
  sendJson(res, e.status, { errorMessage: e.errorMessage, errorType: e.errorType });
}

/** A body that did not arrive in time: 408, and the connection is closed (it cannot carry another request). */
export function sendBodyTimeout(res: ServerResponse): void {
  sendJsonAndClose(res, 408, { errorMessage: 'body not received in time', errorType: 'RequestTimeout' });
}

/** A fault of ours while serving a request: 500 for that request alone, or its connection cut mid-answer. */
export function sendFault(res: ServerResponse): void {
  if (!res.headersSent) sendJsonAndClose(res, 500, { errorMessage: 'internal error', errorType: 'InternalError' });
  else res.destroy();
}

/** What the APIs answer a request they took: 202 for a posted report or result, 200 for a released wait. */
export function sendAccepted(res: ServerResponse): void {
  sendJson(res, 202, { status: 'OK' });
}

export function sendOk(res: ServerResponse): void {
  sendJson(res, 200, { status: 'OK' });
}
