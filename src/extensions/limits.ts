/**
 * Lambda's Shutdown phase limits: the whole phase, by what is registered (the runtime gets SIGTERM
 * only when extensions are registered; with none, it is killed at once).
 */
export const SHUTDOWN_LIMIT_MS = { noExtensions: 0, internalOnly: 500, external: 2_000 } as const;

/** Of the 2,000 ms with external extensions, what Lambda reserves for the runtime's own exit. */
export const RUNTIME_SHUTDOWN_SHARE_MS = { withoutInternal: 300, withInternal: 500 } as const;

export function shutdownLimitMs(registered: { external: boolean; internal: boolean }): number {
  if (registered.external) return SHUTDOWN_LIMIT_MS.external;
  if (registered.internal) return SHUTDOWN_LIMIT_MS.internalOnly;
  return SHUTDOWN_LIMIT_MS.noExtensions;
}

/** Lambda allows 10 extensions per function (enforced by Register). */
export const MAX_EXTENSIONS = 10;

/** Bodies an extension may send: register and subscribe are small; error reports carry a stack. */
export const EXTENSION_BODY_LIMITS = { register: 64 * 1024, subscribe: 64 * 1024, error: 1024 * 1024 } as const;
