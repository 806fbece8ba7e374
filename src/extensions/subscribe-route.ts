import type http from 'node:http';
import { sendJson } from '../http/replies';
import { EXTENSION_BODY_LIMITS } from './limits';
import type { ExtensionRecord } from './registry';
import { bodyOf, type RouteContext } from './route-kit';

/** PUT /2022-07-01/telemetry: the Telemetry API's subscription, answered by the TelemetryApi. */
export async function onSubscribe(
  ctx: RouteContext,
  x: ExtensionRecord,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const body = await bodyOf(ctx, req, res, EXTENSION_BODY_LIMITS.subscribe);
  if (!body) return;
  const answer = ctx.telemetry.subscribe(x.name, body);
  sendJson(res, answer.status, answer.body);
}
