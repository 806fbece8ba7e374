import type http from 'node:http';
import { sendJson } from '../http/replies';
import { sendApiError } from '../http/api-errors';
import { headerOf } from '../http/request';
import { EXTENSION_BODY_LIMITS } from './limits';
import { ERR } from './registry';
import { bodyOf, type RouteContext } from './route-kit';
import { HEADERS } from './wire';

/** POST /extension/register: the extension's name, the events it wants; answered with the function's metadata. */
export async function onRegister(ctx: RouteContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await bodyOf(ctx, req, res, EXTENSION_BODY_LIMITS.register);
  if (!body) return;
  let parsed: unknown = {};
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return sendApiError(res, ERR.format((err as Error).message));
    }
  }
  const name = headerOf(req, HEADERS.name);
  if (ctx.lifecycle.isShutDown && name) return sendApiError(res, ERR.closed());
  const record = ctx.lifecycle.registry.register(name, parsed);
  if ('status' in record) return sendApiError(res, record);
  const fn = ctx.fn;
  const wantsAccount = (headerOf(req, HEADERS.acceptFeature) ?? '').split(',').some((f) => f.trim() === 'accountId');
  const answer = {
    functionName: fn.functionName,
    functionVersion: fn.functionVersion,
    handler: fn.handler,
    ...(wantsAccount ? { accountId: fn.accountId } : {}),
  };
  sendJson(res, 200, answer, { [HEADERS.identifier]: record.id });
  ctx.onEvent?.({ kind: 'registered', name: record.name, id: record.id, external: record.external, events: [...record.events] });
  if (record.external) ctx.lifecycle.externalRegistered(record.name);
}
