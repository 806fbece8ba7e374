import http from 'node:http';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { startFixtureOrchestrator } from '../helpers/orchestrator';
import { sleep } from '../helpers/wait';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Each piece as it arrived, with the time. */
  chunks: { at: number; bytes: Buffer }[];
  /** The body ended with its last chunk (false: the connection was cut mid-body). */
  complete: boolean;
  sentAt: number;
  headersAt: number;
  /** When the body ended or was cut. */
  endedAt: number;
}

/** A plain HTTP client, as curl -N: every piece of the body with the time it came. */
function request(
  base: string,
  path: string,
  opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer } = {},
): Promise<RawReply> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const sentAt = Date.now();
    const req = http.request(u, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const r: RawReply = {
        status: res.statusCode!,
        headers: res.headers,
        chunks: [],
        complete: false,
        sentAt,
        headersAt: Date.now(),
        endedAt: 0,
      };
      res.on('data', (c: Buffer) => r.chunks.push({ at: Date.now(), bytes: c }));
      res.on('end', () => resolve({ ...r, complete: res.complete, endedAt: Date.now() }));
      res.on('error', () => resolve({ ...r, endedAt: Date.now() }));
      res.on('aborted', () => resolve({ ...r, endedAt: Date.now() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const body = (r: RawReply) => Buffer.concat(r.chunks.map((c) => c.bytes));

/** Function URLs (docs/invoke-api.md: payload format 2.0, Lambda's response mapping, RESPONSE_STREAM) against real containers. */
describe('function URLs', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator({
      stream: { code: 'stream-probe', timeout: 30, url: { invokeMode: 'RESPONSE_STREAM' } },
      hangs: { code: 'stream-probe', timeout: 2, url: { invokeMode: 'RESPONSE_STREAM' } },
      web: { code: 'stream-url-echo', url: { invokeMode: 'BUFFERED' } },
      capped: { code: 'stream-probe', timeout: 30, reservedConcurrency: 1, url: { invokeMode: 'RESPONSE_STREAM' } },
      private: { code: 'echo' },
    }));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  }, 60_000);

  it('RESPONSE_STREAM: the first chunk reaches a raw HTTP client before the function writes its last', async () => {
    const r = await request(orch.url, '/urls/stream/?mode=chunks&gapMs=1000');
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.complete).toBe(true);
    const text = body(r).toString('utf8');
    expect(text).toMatch(/^first@\d+\nsecond@\d+\n$/);
    const secondWritten = Number(/second@(\d+)/.exec(text)![1]);
    expect(r.chunks[0].at).toBeLessThan(secondWritten);
    expect(r.chunks[0].bytes.toString()).toMatch(/^first@/);
  }, 60_000);

  it('RESPONSE_STREAM with HttpResponseStream.from: status, headers and cookies from the prelude, a binary body as written', async () => {
    const r = await request(orch.url, '/urls/stream/x?mode=http&gapMs=1000');
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['x-probe']).toBe('streamed');
    expect(r.headers['set-cookie']).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark']);
    const b = body(r);
    expect([...b.subarray(0, 6)]).toEqual([0, 1, 2, 253, 254, 255]);
    const secondWritten = Number(/second@(\d+)/.exec(b.subarray(6).toString())![1]);
    // Headers and the first bytes were out while the function waited.
    expect(r.headersAt).toBeLessThan(secondWritten);
    expect(r.chunks[0].at).toBeLessThan(secondWritten);
  }, 60_000);

  it('a failure mid-stream cuts the body short; one before any byte is a 502', async () => {
    const mid = await request(orch.url, '/urls/stream/?mode=fail&gapMs=200');
    expect(mid.status).toBe(200);
    expect(body(mid).toString()).toMatch(/^first@\d+\n$/);
    expect(mid.complete).toBe(false);
    const early = await request(orch.url, '/urls/stream/?mode=fail-early');
    expect(early.status).toBe(502);
    expect(body(early).toString()).toBe('Internal Server Error');
  }, 60_000);

  it('the timeout mid-stream cuts the body short after what was written', async () => {
    const r = await request(orch.url, '/urls/hangs/?mode=hang');
    expect(r.status).toBe(200);
    expect(body(r).toString()).toMatch(/^first@\d+\n$/);
    expect(r.complete).toBe(false);
    // The chunk came at once, the cut only with the 2 s timeout.
    expect(r.endedAt - r.chunks[0].at).toBeGreaterThanOrEqual(1500);
  }, 60_000);

  it('a client that leaves mid-stream breaks nothing: the next request is served', async () => {
    const u = new URL('/urls/stream/?mode=chunks&gapMs=500', orch.url);
    await new Promise<void>((resolve, reject) => {
      const req = http.get(u, { agent: false }, (res) => res.once('data', () => (req.destroy(), resolve())));
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no first chunk')), 30_000).unref();
    });
    const next = await request(orch.url, '/urls/stream/?mode=chunks&gapMs=0');
    expect(next.status).toBe(200);
    expect(body(next).toString()).toMatch(/^first@\d+\nsecond@\d+\n$/);
  }, 60_000);

  it('BUFFERED: the payload format 2.0 event', async () => {
    const r = await request(orch.url, '/urls/web/event?a=1&a=2&b=x%20y', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-multi': 'one', 'User-Agent': 'probe/1.0' },
      body: Buffer.from('{"hello":"url"}'),
    });
    expect(r.status).toBe(200);
    const event = JSON.parse(body(r).toString());
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/event',
      rawQueryString: 'a=1&a=2&b=x%20y',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { a: '1,2', b: 'x y' },
      body: '{"hello":"url"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: 'anonymous',
        routeKey: '$default',
        stage: '$default',
        http: { method: 'POST', path: '/event', protocol: 'HTTP/1.1', userAgent: 'probe/1.0' },
      },
    });
    expect(event.headers['x-multi']).toBe('one');
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.apiId).toMatch(/^[a-z0-9]{32}$/);
    expect(event.requestContext.requestId).toBe(r.headers['x-amzn-requestid']);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(typeof event.requestContext.timeEpoch).toBe('number');
  }, 60_000);

  it('BUFFERED: a binary body in (base64) and out (isBase64Encoded), cookies as Set-Cookie', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x89, 0x50, 0x4e, 0x47]);
    const r = await request(orch.url, '/urls/web/binary', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes });
    expect(r.status).toBe(200);
    expect(r.headers['x-was-base64']).toBe('true');
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Secure']);
    expect(body(r).equals(bytes)).toBe(true);
  }, 60_000);

  it("BUFFERED: Lambda's response mapping and errors", async () => {
    const str = await request(orch.url, '/urls/web/string');
    expect([str.status, str.headers['content-type'], body(str).toString()]).toEqual([200, 'application/json', 'just a string']);
    const obj = await request(orch.url, '/urls/web/object');
    expect([obj.status, JSON.parse(body(obj).toString())]).toEqual([200, { hello: 'world' }]);
    const tea = await request(orch.url, '/urls/web/teapot');
    expect([tea.status, tea.headers['x-tea'], tea.headers['content-type'], body(tea).toString()]).toEqual([
      418,
      'earl grey',
      'application/json',
      'short and stout',
    ]);
    const fail = await request(orch.url, '/urls/web/fail');
    expect([fail.status, body(fail).toString()]).toEqual([502, 'Internal Server Error']);
    const none = await request(orch.url, '/urls/private/');
    expect(none.status).toBe(404);
    const unknown = await request(orch.url, '/urls/nope/');
    expect(unknown.status).toBe(404);
    const big = await request(orch.url, '/urls/web/event', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: Buffer.alloc(6 * 1024 * 1024 + 1, 'a'),
    });
    expect(big.status).toBe(413);
  }, 60_000);

  it('throttled: 429', async () => {
    const busy = request(orch.url, '/urls/capped/?mode=chunks&gapMs=3000');
    let status = 0;
    for (let i = 0; i < 30 && status !== 429; i++) {
      await sleep(200);
      status = (await request(orch.url, '/urls/capped/?mode=chunks&gapMs=0')).status;
    }
    expect(status).toBe(429);
    expect((await busy).status).toBe(200);
  }, 60_000);

  it('time to first byte, warm (measured, printed; no bound)', async () => {
    await request(orch.url, '/urls/stream/?mode=chunks&gapMs=0');
    const ttfb: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await request(orch.url, '/urls/stream/?mode=chunks&gapMs=200');
      ttfb.push(r.chunks[0].at - r.sentAt);
    }
    ttfb.sort((a, b) => a - b);
    console.log(`function URL (RESPONSE_STREAM) TTFB (warm, ms): median ${ttfb[5]}, min ${ttfb[0]}, max ${ttfb[9]}`);
    expect(ttfb.every((t) => t >= 0)).toBe(true);
  }, 120_000);
});
