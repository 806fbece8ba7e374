import type http from 'node:http';
import { sendApiError } from '../http/api-errors';
import { ERR, type ExtensionRecord } from './registry';
import type { RouteContext } from './route-kit';
import type { ExtensionEvent } from './types';

/**
 * GET /extension/event/next: held until the extension's next event (no timeout: the container is
 * paused meanwhile). Asking again ends the extension's part in the phase under way.
 */
export function onNext(ctx: RouteContext, x: ExtensionRecord, req: http.IncomingMessage, res: http.ServerResponse): void {
  const lifecycle = ctx.lifecycle;
  req.resume(); // a GET has no body worth reading
  if (x.state === 'init-error' || x.state === 'exit-error')
    return sendApiError(res, ERR.state(x, 'Ready', 'the extension reported an error'));
  if (x.waiter) return sendApiError(res, ERR.state(x, 'Ready', 'it is already waiting for an event'));
  lifecycle.hold(res);
  const finished = x.current;
  x.current = undefined;
  if (x.state === 'shut-down') {
    // After SHUTDOWN nothing more comes: the request is held until the context is removed.
    if (finished && lifecycle.round?.phase === 'shutdown') lifecycle.round.finished(x.id);
    return;
  }
  const wasRegistered = x.state === 'registered';
  x.state = 'ready';
  const waiter = (event: ExtensionEvent) => lifecycle.send(res, event);
  x.waiter = waiter;
  res.on('close', () => {
    if (x.waiter === waiter) x.waiter = undefined; // it will ask again; events queue meanwhile
  });
  const r = lifecycle.round;
  if (r && ((r.phase === 'init' && wasRegistered) || (r.phase === 'invoke' && finished?.eventType === 'INVOKE'))) r.finished(x.id);
  if (x.queued) {
    const event = x.queued;
    x.queued = undefined;
    lifecycle.deliver(x, event);
  }
}
