import type { IncomingMessage } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { invokeComplete, payloadChunk } from '../../src/invoke-api/event-stream';
import { isTextual, urlEvent, urlId } from '../../src/invoke-api/url-event';
import { PreludeReader } from '../../src/invoke-api/url-prelude';
import { INTERNAL_SERVER_ERROR, mapUrlResponse } from '../../src/invoke-api/url-response';

/** What urlEvent reads of a request. */
function fakeRequest(method: string, headers: Record<string, string[]>): IncomingMessage {
  return {
    method,
    httpVersion: '1.1',
    headersDistinct: headers,
    socket: { remoteAddress: '::ffff:10.0.0.7', localPort: 9000 },
  } as unknown as IncomingMessage;
}

const at = new Date(Date.UTC(2024, 2, 5, 7, 8, 9));

describe('function URL event (payload format 2.0)', () => {
  it('headers lower-cased and comma-joined, cookies apart, query decoded, a text body as text', () => {
    const req = fakeRequest('POST', {
      host: ['localhost:9000'],
      'x-many': ['a', 'b'],
      cookie: ['a=1; b=2', 'c=3'],
      'content-type': ['application/json; charset=utf-8'],
    });
    const e = urlEvent(req, {
      functionName: 'f',
      rawPath: '/p/q',
      rawQueryString: 'x=1&x=2&y=%20z',
      body: Buffer.from('{"k":1}'),
      requestId: 'rid',
      now: at,
    });
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/p/q',
      rawQueryString: 'x=1&x=2&y=%20z',
      cookies: ['a=1', 'b=2', 'c=3'],
      queryStringParameters: { x: '1,2', y: ' z' },
      body: '{"k":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: 'anonymous',
        domainName: 'localhost:9000',
        http: { method: 'POST', path: '/p/q', protocol: 'HTTP/1.1', sourceIp: '10.0.0.7', userAgent: '' },
        requestId: 'rid',
        routeKey: '$default',
        stage: '$default',
        time: '05/Mar/2024:07:08:09 +0000',
        timeEpoch: at.getTime(),
      },
    });
    const headers = e.headers as Record<string, string>;
    expect(headers['x-many']).toBe('a,b');
    expect(headers.cookie).toBeUndefined();
    expect(headers['x-forwarded-for']).toBe('10.0.0.7');
  });

  it('a binary body (or one not UTF-8) is base64; no body, no query, no cookies: left out', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x81]);
    const bin = urlEvent(fakeRequest('PUT', { 'content-type': ['image/png'] }), {
      functionName: 'f',
      rawPath: '/',
      rawQueryString: '',
      body: bytes,
      requestId: 'r',
      now: at,
    });
    expect([bin.body, bin.isBase64Encoded]).toEqual([bytes.toString('base64'), true]);
    const badText = urlEvent(fakeRequest('PUT', { 'content-type': ['text/plain'] }), {
      functionName: 'f',
      rawPath: '/',
      rawQueryString: '',
      body: bytes,
      requestId: 'r',
      now: at,
    });
    expect(badText.isBase64Encoded).toBe(true);
    const empty = urlEvent(fakeRequest('GET', {}), {
      functionName: 'f',
      rawPath: '/',
      rawQueryString: '',
      body: Buffer.alloc(0),
      requestId: 'r',
      now: at,
    });
    expect(empty).not.toHaveProperty('body');
    expect(empty).not.toHaveProperty('cookies');
    expect(empty).not.toHaveProperty('queryStringParameters');
    expect(empty.isBase64Encoded).toBe(false);
  });

  it('text types by content type; the URL id is stable and Lambda-shaped', () => {
    for (const t of ['text/html', 'application/json', 'application/ld+json', 'application/xml', 'application/javascript'])
      expect(isTextual(t)).toBe(true);
    for (const t of [undefined, 'application/octet-stream', 'image/png', 'application/x-www-form-urlencoded', 'multipart/form-data'])
      expect(isTextual(t)).toBe(false);
    expect(urlId('stream')).toMatch(/^[a-z2-7]{32}$/);
    expect(urlId('stream')).toBe(urlId('stream'));
    expect(urlId('stream')).not.toBe(urlId('other'));
  });
});

describe('function URL response mapping', () => {
  const map = (v: unknown) => mapUrlResponse(Buffer.from(JSON.stringify(v)));

  it('a bare value is a 200 JSON body; a string its text', () => {
    expect(map({ a: 1 })).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') });
    expect(map('hi').body.toString()).toBe('hi');
    expect(map([1, 2]).body.toString()).toBe('[1,2]');
  });

  it('statusCode, headers, cookies, a base64 body', () => {
    const r = map({
      statusCode: 201,
      headers: { 'X-A': 'b', 'Content-Type': 'image/gif', n: 3 },
      cookies: ['s=1', 't=2'],
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
    expect(r.status).toBe(201);
    expect(r.headers).toEqual({ 'x-a': 'b', 'content-type': 'image/gif', n: '3', 'set-cookie': ['s=1', 't=2'] });
    expect([...r.body]).toEqual([1, 2, 3]);
  });

  it('an unusable status is a 502; framing headers and header injection are dropped', () => {
    expect(map({ statusCode: 'teapot' })).toBe(INTERNAL_SERVER_ERROR);
    expect(map({ statusCode: 99 })).toBe(INTERNAL_SERVER_ERROR);
    const r = map({ statusCode: 200, headers: { 'content-length': '1', 'x-bad': 'a\r\nset-cookie: evil', 'bad name': 'x' }, body: 'ok' });
    expect(r.headers).toEqual({ 'content-type': 'application/json' });
  });
});

describe("HttpResponseStream.from's prelude", () => {
  it('metadata, 8 NUL bytes, then the body, across chunks', () => {
    const p = new PreludeReader();
    expect(p.feed(Buffer.from('{"statusCode":202,"cookies":["a=b"]'))).toEqual({ kind: 'more' });
    const step = p.feed(Buffer.concat([Buffer.from('}'), Buffer.alloc(8), Buffer.from('body')]));
    expect(step).toEqual({
      kind: 'head',
      head: { status: 202, headers: { 'set-cookie': ['a=b'], 'content-type': 'application/octet-stream' } },
      rest: Buffer.from('body'),
    });
  });

  it('not JSON, or too long without the delimiter: invalid', () => {
    expect(new PreludeReader().feed(Buffer.concat([Buffer.from('nope'), Buffer.alloc(8)])).kind).toBe('invalid');
    expect(new PreludeReader().feed(Buffer.alloc(70 * 1024, 'a')).kind).toBe('invalid');
  });
});

describe('event-stream framing', () => {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);

  it('PayloadChunk carries the bytes, InvokeComplete the JSON fields', () => {
    const chunk = codec.decode(payloadChunk(Buffer.from([0, 1, 2])));
    expect(chunk.headers[':event-type'].value).toBe('PayloadChunk');
    expect(chunk.headers[':message-type'].value).toBe('event');
    expect([...chunk.body]).toEqual([0, 1, 2]);
    const done = codec.decode(invokeComplete({ ErrorCode: 'Error', ErrorDetails: 'boom' }));
    expect(done.headers[':event-type'].value).toBe('InvokeComplete');
    expect(JSON.parse(Buffer.from(done.body).toString())).toEqual({ ErrorCode: 'Error', ErrorDetails: 'boom' });
  });
});
