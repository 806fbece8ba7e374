import { apiError, noRoute, type ApiError } from '../http/api-errors';

/** Header names as Lambda spells them (Node keeps the case it is given on the wire). */
export const HEADERS = {
  name: 'Lambda-Extension-Name',
  identifier: 'Lambda-Extension-Identifier',
  acceptFeature: 'Lambda-Extension-Accept-Feature',
  errorType: 'Lambda-Extension-Function-Error-Type',
  eventIdentifier: 'Lambda-Extension-Event-Identifier',
} as const;

export const EXTENSION_PREFIX = '/2020-01-01/extension/';
export const TELEMETRY_PATH = '/2022-07-01/telemetry';
/** The orchestrator's own routes for the launcher in the container (not Lambda's). */
export const LAUNCHER_PREFIX = `${EXTENSION_PREFIX}_launcher`;

export type ExtensionRoute = 'register' | 'next' | 'init-error' | 'exit-error' | 'telemetry' | 'launcher-registered' | 'launcher-exited';

const ROUTES: Record<string, { route: ExtensionRoute; method: string }> = {
  [`${EXTENSION_PREFIX}register`]: { route: 'register', method: 'POST' },
  [`${EXTENSION_PREFIX}event/next`]: { route: 'next', method: 'GET' },
  [`${EXTENSION_PREFIX}init/error`]: { route: 'init-error', method: 'POST' },
  [`${EXTENSION_PREFIX}exit/error`]: { route: 'exit-error', method: 'POST' },
  [TELEMETRY_PATH]: { route: 'telemetry', method: 'PUT' },
  [`${TELEMETRY_PATH}/`]: { route: 'telemetry', method: 'PUT' },
  // The orchestrator's own, for the launcher in the container (not Lambda's): it waits on the
  // first until the external extensions have registered, and reports each one's exit on the second.
  [`${LAUNCHER_PREFIX}/registered`]: { route: 'launcher-registered', method: 'GET' },
  [`${LAUNCHER_PREFIX}/exited`]: { route: 'launcher-exited', method: 'POST' },
};

export type Routed =
  { kind: 'route'; route: ExtensionRoute; query: URLSearchParams } | { kind: 'error'; error: ApiError } | { kind: 'not-ours' };

/** Which of the Extensions and Telemetry APIs' routes a request is; `not-ours` for any other path. */
export function extensionRoute(method: string | undefined, url: string | undefined): Routed {
  const [path, search = ''] = (url ?? '').split('?', 2);
  const known = ROUTES[path];
  if (known) {
    if (method !== known.method) {
      return { kind: 'error', error: apiError(405, 'MethodNotAllowed', `${String(method)} not allowed on ${path}`) };
    }
    return { kind: 'route', route: known.route, query: new URLSearchParams(search) };
  }
  if (path.startsWith(EXTENSION_PREFIX) || path.startsWith(`${TELEMETRY_PATH}/`)) {
    return { kind: 'error', error: noRoute(method, path) };
  }
  return { kind: 'not-ours' };
}
