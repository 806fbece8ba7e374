import type { IncomingMessage } from 'node:http';

/** A request header's (first) value; `name` in any case, as Lambda's docs spell it. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** What a client sent, cut to a length fit for an error message (a path may be megabytes long). */
export function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
