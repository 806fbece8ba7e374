import fc from 'fast-check';
import { InvokeApiServer } from '../../src/invoke-api/server';
import { RuntimeApiServer } from '../../src/runtime-api/server';
import { fakeInvoker, httpRequest, ProcessFaults, rawRequest, type RawResult } from './fuzz-support';
import { waitFor } from '../helpers/wait';

/**
 * Thousands of generated requests (methods, paths with random escapes, headers, bodies,
 * bodies cut off, clients going away) at a real Runtime API and a real Invoke API on loopback. The
 * process stays up, no request gets a 5xx, nothing leaks. A fixed seed: a failure replays as is.
 */
const SEED = 20_100;
const BATCHES = 160; // each of 1 to 12 concurrent requests: over 1,000 per API
const verbose = process.env.FUZZ_VERBOSE === '1';

/** How the request goes on the wire. */
type Framing = 'complete' | 'chunked' | 'cut-off-and-gone' | 'cut-off-and-held';

interface Generated {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Body;
  framing: Framing;
}

const escapes = fc.constantFrom('%', '%zz', '%ZZ', '%C0%AF', '%00', '%2F', '%25', '%E2%82', '%FF', '..', '%u2603', '%%');
const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.:$~!*()\'@,;=&+[]{}|^`"<>\\'.split('')), maxLength: 24 });
const segment = fc.oneof(
  printable,
  escapes,
  fc.tuple(printable, escapes, printable).map((p) => p.join('')),
);
const longSegment = fc.integer({ min: 60, max: 400 }).map((n) => 'a'.repeat(n));
const query = fc.option(
  fc.tuple(printable, fc.oneof(printable, escapes)).map(([k, v]) => `?${k}=${v}`),
  { nil: '' },
);

/** A body: JSON text, bytes as latin1 text, or so many 'a's (kept short in a counterexample). */
type Body = string | { fill: number };
const bodies: fc.Arbitrary<Body> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 256 * 1024 }).map((fill) => ({ fill })) },
);
const framing = fc.constantFrom<Framing>('complete', 'complete', 'complete', 'chunked', 'cut-off-and-gone', 'cut-off-and-held');
const method = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GET', 'POST') },
  { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'FOO', 'CONNECT') },
);
const headerValue = fc.oneof(printable, fc.constantFrom('', 'Tail', 'None', 'Event', 'DryRun', 'RequestResponse', 'Bogus'));

/** Now and then an Expect header (Node answers 417 to any but 100-continue). */
function withRareExpect(headers: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<Record<string, string>> {
  const expect = fc.oneof(
    { weight: 12, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.oneof(fc.constant('100-continue'), headerValue) },
  );
  return fc.tuple(headers, expect).map(([h, e]) => (e === undefined ? h : { ...h, expect: e }));
}

/** The Runtime API's routes, with `{ID}` standing for the request id of the invocation in flight. */
const runtimeRequest: fc.Arbitrary<Generated> = fc.record({
  method,
  path: fc.oneof(
    fc.constant('/2018-06-01/runtime/invocation/next'),
    fc.constant('/2018-06-01/runtime/init/error'),
    fc
      .tuple(fc.oneof(fc.constant('{ID}'), segment, longSegment), fc.constantFrom('response', 'error', 'other'))
      .map(([id, what]) => `/2018-06-01/runtime/invocation/${id}/${what}`),
    fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join('/')}`),
  ),
  headers: withRareExpect(
    fc.dictionary(fc.constantFrom('lambda-runtime-function-error-type', 'content-type', 'x-anything'), headerValue, { maxKeys: 3 }),
  ),
  body: bodies,
  framing,
});

const names = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('echo', 'echo', 'echo:$LATEST', 'echo:v2', 'nope', 'function:echo', '000000000000:function:echo'),
  },
  fc
    .tuple(
      fc.constantFrom('arn:aws:lambda:', 'arn:aws-cn:lambda:', ''),
      fc.constantFrom('eu-west-1:', 'us-east-1:', 'xx-yyyy-9:', ''),
      fc.constantFrom('000000000000:', '123456789012:', '12:', ''),
      fc.constantFrom('function:', ''),
      fc.oneof(fc.constant('echo'), printable),
      fc.oneof(
        fc.constant(''),
        fc.constant(':$LATEST'),
        printable.map((q) => `:${q}`),
      ),
    )
    .map((p) => encodeURIComponent(p.join(''))),
  segment,
  longSegment,
);

/** The Invoke API's routes. */
const invokeRequest: fc.Arbitrary<Generated> = fc.record({
  method,
  path: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(names, query).map(([n, q]) => `/2015-03-31/functions/${n}/invocations${q}`) },
    { weight: 1, arbitrary: fc.tuple(names, query).map(([n, q]) => `/2015-03-31/functions/${n}${q}`) },
    { weight: 1, arbitrary: fc.constantFrom('/2015-03-31/functions/', '/orchestrator/contexts', '/', '*') },
    { weight: 1, arbitrary: fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join('/')}`) },
  ),
  headers: withRareExpect(
    fc.dictionary(
      fc.constantFrom('x-amz-invocation-type', 'x-amz-log-type', 'x-amz-client-context', 'content-type'),
      fc.oneof(headerValue, fc.base64String({ maxLength: 64 })),
      { maxKeys: 3 },
    ),
  ),
  body: bodies,
  framing,
});

function wire(g: Generated, id: string | undefined): { bytes: Buffer; gone: boolean; held: boolean } {
  const path = g.path.replace('{ID}', id ?? 'none');
  const body = typeof g.body === 'string' ? Buffer.from(g.body, 'latin1') : Buffer.alloc(g.body.fill, 'a');
  switch (g.framing) {
    case 'chunked': {
      const chunks = body.length > 0 ? `${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n` : '';
      const { 'content-length': _, ...headers } = { ...g.headers, 'transfer-encoding': 'chunked' } as Record<string, string>;
      const head = `${g.method} ${path} HTTP/1.1\r\nhost: x\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n')}\r\n\r\n`;
      return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(`${chunks}0\r\n\r\n`, 'latin1')]), gone: false, held: false };
    }
    case 'cut-off-and-gone':
    case 'cut-off-and-held': {
      const sent = body.subarray(0, Math.floor(body.length / 2));
      return {
        bytes: httpRequest(g.method, path, sent, g.headers, body.length + 10),
        gone: g.framing === 'cut-off-and-gone',
        held: g.framing === 'cut-off-and-held',
      };
    }
    default:
      return { bytes: httpRequest(g.method, path, body, g.headers), gone: false, held: false };
  }
}

/** What may come back: a whole request is always answered below 500, or held if it is GET /next. */
function check(g: Generated, sent: { gone: boolean; held: boolean }, r: RawResult, heldOk: boolean): void {
  if (sent.gone) return;
  if (r.status === undefined) {
    // CONNECT (and upgrades) have no handler: Node closes the socket, which is an answer too.
    if (sent.held || heldOk || (g.method === 'CONNECT' && r.closedByServer)) return;
    throw new Error(`no answer to ${g.method} ${g.path} (${g.framing}): ${JSON.stringify(r).slice(0, 300)}`);
  }
  if (r.status >= 500) throw new Error(`${r.status} for ${g.method} ${g.path} (${g.framing}): ${r.body.slice(0, 300)}`);
  if ((r.headers['content-type'] ?? '').includes('json') && r.body && g.method !== 'HEAD') JSON.parse(r.body);
}

describe('fuzzing both APIs with generated requests', () => {
  const faults = new ProcessFaults();
  const internalErrors: unknown[] = [];
  beforeAll(() => faults.install());
  afterAll(() => faults.uninstall());

  it('the Runtime API answers every request below 500, stays up, and closes every connection', async () => {
    const api = await RuntimeApiServer.start(
      '127.0.0.1',
      { onNext: () => undefined, onInitError: () => undefined },
      { limits: { headersTimeoutMs: 150, bodyTimeoutMs: 150 }, onError: (e) => internalErrors.push(e) },
    );
    // The orchestrator's side: one invocation in flight at a time, the next once it is answered.
    let current: string | undefined;
    let answered = 0;
    const deliverNext = (n: number) => {
      current = `fz-${n}`;
      void api
        .deliver({ requestId: current, payload: Buffer.from('{}'), deadlineMs: Date.now() + 60_000, functionArn: 'arn', traceId: 't' })
        .then(() => {
          answered++;
          deliverNext(n + 1);
        });
    };
    deliverNext(1);
    const rssBefore = process.memoryUsage().rss;
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(runtimeRequest, { minLength: 1, maxLength: 12 }), async (batch) => {
        await Promise.all(
          batch.map(async (g) => {
            requests++;
            const sent = wire(g, current);
            const isNext = g.method === 'GET' && g.path === '/2018-06-01/runtime/invocation/next';
            const r = await rawRequest(api.port, sent.bytes, { abortAfterWrite: sent.gone, waitMs: isNext ? 30 : 3000 });
            check(g, sent, r, isNext);
          }),
        );
      }),
      { seed: SEED, numRuns: BATCHES, endOnFailure: true },
    );
    await waitFor('every connection closed', async () => (await api.connections()) === 0);
    const rssAfter = process.memoryUsage().rss;
    if (verbose) console.log(`runtime API: ${requests} requests, ${answered} results taken, RSS ${mb(rssBefore)} -> ${mb(rssAfter)} MB`);
    await api.close();
    expect(requests).toBeGreaterThan(1000);
    expect(answered).toBeGreaterThan(0); // the generator does reach the invocation in flight
    expect(rssAfter - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(internalErrors).toEqual([]);
    expect(faults.seen).toEqual([]);
  });

  it("the Invoke API answers every request below 500 in Lambda's shapes, stays up, and closes every connection", async () => {
    const invoker = fakeInvoker(['echo', 'other']);
    const api = await InvokeApiServer.listen('127.0.0.1', 0, {
      invoker,
      region: 'eu-west-1',
      contexts: async () => ({ contexts: [] }),
      onError: (e) => internalErrors.push(e),
      limits: { headersTimeoutMs: 150, requestTimeoutMs: 300 },
    });
    const port = Number(new URL(api.url).port);
    const rssBefore = process.memoryUsage().rss;
    let requests = 0;
    const statuses = new Map<number | undefined, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(invokeRequest, { minLength: 1, maxLength: 12 }), async (batch) => {
        await Promise.all(
          batch.map(async (g) => {
            requests++;
            const sent = wire(g, undefined);
            const r = await rawRequest(port, sent.bytes, { abortAfterWrite: sent.gone, waitMs: 3000 });
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            check(g, sent, r, false);
            // Only Node's own answers to broken HTTP (a bad request line, headers too large or too late,
            // an Expect it does not know) come without Lambda's error type.
            if (r.status && r.status >= 400 && r.headers['x-amzn-errortype'] === undefined && ![400, 408, 417, 431].includes(r.status)) {
              throw new Error(`${r.status} without x-amzn-ErrorType: ${g.method} ${g.path}`);
            }
          }),
        );
      }),
      { seed: SEED, numRuns: BATCHES, endOnFailure: true },
    );
    await waitFor('every connection closed', async () => (await api.connections()) === 0);
    const rssAfter = process.memoryUsage().rss;
    if (verbose) {
      console.log(
        `invoke API: ${requests} requests, statuses ${JSON.stringify([...statuses])}, RSS ${mb(rssBefore)} -> ${mb(rssAfter)} MB`,
      );
    }
    await api.close();
    expect(requests).toBeGreaterThan(1000);
    expect(statuses.get(200)).toBeGreaterThan(0); // valid invocations are generated too
    expect(rssAfter - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(internalErrors).toEqual([]);
    expect(faults.seen).toEqual([]);
  });
});

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
