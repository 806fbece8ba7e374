import type { OutgoingHttpHeaders } from 'node:http';

/** An HTTP answer for a function URL. */
export interface UrlReply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/** What a function URL answers when the function failed or its answer cannot be used. */
export const INTERNAL_SERVER_ERROR: UrlReply = {
  status: 502,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: Buffer.from('Internal Server Error'),
};

/**
 * Lambda's response mapping for a function URL: an object with `statusCode` sets the status,
 * `headers`, `cookies` (Set-Cookie) and `body` (`isBase64Encoded` decodes it); any other JSON
 * value is a 200 application/json body (a string as its text). Anything unusable is a 502.
 */
export function mapUrlResponse(payload: Buffer): UrlReply {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: payload };
  }
  if (typeof value === 'string') return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(value) };
  if (!isRecord(value) || !('statusCode' in value)) return { status: 200, headers: { 'content-type': 'application/json' }, body: payload };
  const head = httpHead(value);
  if (!head) return INTERNAL_SERVER_ERROR;
  const raw = value.body;
  const text = raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
  const body = value.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text);
  return { ...head, body };
}

/** The status and headers of a response object or of a streamed response's prelude; undefined if unusable. */
export function httpHead(meta: Record<string, unknown>, defaultContentType = 'application/json'): Omit<UrlReply, 'body'> | undefined {
  const status = meta.statusCode === undefined ? 200 : Number(meta.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: OutgoingHttpHeaders = {};
  if (isRecord(meta.headers)) {
    for (const [k, v] of Object.entries(meta.headers)) {
      if (v === undefined || v === null) continue;
      const name = k.toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || HOP_BY_HOP.has(name)) continue;
      const value = String(v);
      if (/[\r\n\0]/.test(value)) continue; // never lets a function split the answer
      headers[name] = value;
    }
  }
  if (Array.isArray(meta.cookies)) {
    const cookies = meta.cookies.map(String).filter((c) => !/[\r\n\0]/.test(c));
    if (cookies.length > 0) headers['set-cookie'] = cookies;
  }
  headers['content-type'] ??= defaultContentType;
  return { status, headers };
}

/** Headers the HTTP layer owns (framing): a function's value would break the answer. */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
