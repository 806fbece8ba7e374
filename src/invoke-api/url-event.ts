import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';

/** What a function URL request carries besides the HTTP request itself. */
export interface UrlRequest {
  functionName: string;
  /** The path after /urls/{name}, from its leading slash (`/` at least). */
  rawPath: string;
  /** After `?`, as sent. */
  rawQueryString: string;
  body: Buffer;
  requestId: string;
  now: Date;
}

/** Lambda's function URL event, payload format 2.0. */
export function urlEvent(req: IncomingMessage, u: UrlRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (name !== 'cookie' && values) headers[name] = values.join(',');
  }
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(req.socket.localPort ?? '');
  const host = headers.host ?? 'localhost';
  const apiId = urlId(u.functionName);
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: u.rawPath,
    rawQueryString: u.rawQueryString,
  };
  const cookies = cookiesOf(req);
  if (cookies.length > 0) event.cookies = cookies;
  event.headers = headers;
  const query = queryParameters(u.rawQueryString);
  if (query) event.queryStringParameters = query;
  event.requestContext = {
    accountId: 'anonymous', // AuthType NONE
    apiId,
    domainName: host,
    domainPrefix: host.split('.')[0].split(':')[0],
    http: {
      method: req.method ?? 'GET',
      path: u.rawPath,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: u.requestId,
    routeKey: '$default',
    stage: '$default',
    time: clfTime(u.now),
    timeEpoch: u.now.getTime(),
  };
  if (u.body.length > 0) {
    const text = isTextual(headers['content-type']) && isUtf8(u.body);
    event.body = text ? u.body.toString('utf8') : u.body.toString('base64');
    event.isBase64Encoded = !text;
  } else {
    event.isBase64Encoded = false;
  }
  return event;
}

/**
 * Bodies Lambda passes as text; any other (images, octet-stream, forms, none declared) is
 * base64, as function URLs do.
 */
export function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type.startsWith('text/')) return true;
  return /^application\/((.+\+)?json|(.+\+)?xml|javascript|x-javascript|ecmascript|graphql|yaml|x-yaml)$/.test(type);
}

/** A function URL's id: 32 lowercase letters and digits, the same for the same function. */
export function urlId(functionName: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = createHash('sha256').update(functionName).digest();
  return [...bytes.subarray(0, 32)].map((b) => alphabet[b % 32]).join('');
}

function cookiesOf(req: IncomingMessage): string[] {
  const raw = req.headersDistinct.cookie ?? [];
  return raw
    .flatMap((h) => h.split(';'))
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** Values decoded; a repeated name's values joined with commas. */
function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = k in out ? `${out[k]},${v}` : v;
  return Object.keys(out).length > 0 ? out : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, as requestContext.time is written. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
