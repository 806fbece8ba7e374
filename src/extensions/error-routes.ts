import type http from 'node:http';
import { sendAccepted } from '../http/api-errors';
import { headerOf } from '../http/request';
import { EXTENSION_BODY_LIMITS } from './limits';
import { ERR, type ExtensionRecord } from './registry';
import { bodyOf, refuse, type RouteContext } from './route-kit';
import { HEADERS } from './wire';

/** POST /extension/init/error and /exit/error: the extension fails the init or the invocation. */
export async function onErrorReport(
  ctx: RouteContext,
  x: ExtensionRecord,
  kind: 'init-error' | 'exit-error',
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const errorType = headerOf(req, HEADERS.errorType);
  if (!errorType) return refuse(ctx, req, res, ERR.missingHeader(HEADERS.errorType));
  const allowed = kind === 'init-error' ? x.state === 'registered' : x.state !== 'init-error' && x.state !== 'exit-error';
  const to = kind === 'init-error' ? 'InitError' : 'Exited';
  if (!allowed) return refuse(ctx, req, res, ERR.state(x, to, 'not allowed in this state'));
  const body = await bodyOf(ctx, req, res, EXTENSION_BODY_LIMITS.error);
  if (!body) return;
  x.state = kind;
  x.waiter = undefined;
  sendAccepted(res);
  ctx.onEvent?.({ kind, name: x.name, errorType, body });
  ctx.lifecycle.fail(kind === 'init-error' ? 'Extension.InitError' : 'Extension.ExitError', x.name, errorType, x.id);
}
