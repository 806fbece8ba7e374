import type http from 'node:http';
import { discardBody, readBody } from '../http/read-body';
import { sendApiError, sendBodyTimeout, tooLarge, type ApiError } from '../http/api-errors';
import { headerOf } from '../http/request';
import type { Lifecycle } from './lifecycle';
import type { ExtensionRecord } from './registry';
import type { TelemetryApi } from './telemetry';
import type { ExtensionsApiEvent, FunctionMetadata } from './types';
import { HEADERS } from './wire';

/** What each route of the Extensions and Telemetry APIs works with. */
export interface RouteContext {
  lifecycle: Lifecycle;
  fn: FunctionMetadata;
  telemetry: TelemetryApi;
  /** Bodies must be in by then (a held GET /event/next has none and never times out). */
  bodyTimeoutMs: number;
  onEvent?: (event: ExtensionsApiEvent) => void;
}

/** Answers an error; the body nobody wants is read and dropped (an unread one stalls the socket). */
export function refuse(ctx: RouteContext, req: http.IncomingMessage, res: http.ServerResponse, e: ApiError): void {
  discardBody(req, ctx.bodyTimeoutMs);
  sendApiError(res, e);
}

/** Runs `then` for the extension the request's Lambda-Extension-Identifier names; refuses any other. */
export function withExtension(
  ctx: RouteContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  then: (x: ExtensionRecord) => void | Promise<void>,
): void | Promise<void> {
  const x = ctx.lifecycle.registry.find(headerOf(req, HEADERS.identifier));
  if ('status' in x) return refuse(ctx, req, res, x);
  return then(x);
}

/** The body, or undefined once the request has been answered (too large, too slow) or abandoned. */
export async function bodyOf(
  ctx: RouteContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  const read = await readBody(req, { limit, timeoutMs: ctx.bodyTimeoutMs });
  switch (read.kind) {
    case 'ok':
      return read.data;
    case 'too-large':
      sendApiError(res, tooLarge(limit));
      return undefined;
    case 'timeout':
      sendBodyTimeout(res);
      return undefined;
    case 'aborted':
      return undefined;
  }
}
