import type http from 'node:http';
import { discardBody } from '../http/read-body';
import { sendJson } from '../http/replies';
import { sendAccepted, sendOk } from '../http/api-errors';
import { ExtensionFailure } from './errors';
import type { RouteContext } from './route-kit';

/** The launcher's wait for the external extensions' registration: 200, or 500 with the failure's type. */
export function onLauncherWait(ctx: RouteContext, req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  ctx.lifecycle.hold(res);
  ctx.lifecycle.externalsRegistered().then(
    () => sendOk(res),
    (err: unknown) => {
      const errorType = err instanceof ExtensionFailure ? err.errorType : 'Extension.Crash';
      sendJson(res, 500, { errorType, errorMessage: (err as Error).message });
    },
  );
}

/** The launcher's report of an extension's exit (`?name=...&status=...`). */
export function onLauncherExited(ctx: RouteContext, query: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): void {
  discardBody(req, ctx.bodyTimeoutMs);
  const name = query.get('name') ?? '';
  const status = Number(query.get('status') ?? 'NaN');
  sendAccepted(res);
  if (!name) return;
  ctx.onEvent?.({ kind: 'exited', name, status });
  const lifecycle = ctx.lifecycle;
  if (lifecycle.isShutDown) {
    // What SHUTDOWN asks for: Lambda's Shutdown waits for the extensions' processes to end.
    const x = lifecycle.registry.all().find((r) => r.name === name);
    if (x && lifecycle.round?.phase === 'shutdown') lifecycle.round.finished(x.id);
    return;
  }
  // Any other exit is a crash (Lambda resets the environment).
  lifecycle.fail('Extension.Crash', name, `exit status ${Number.isFinite(status) ? status : '?'}`);
}
