import { FakeClock } from '../helpers/fake-clock';
import http from 'node:http';
import { ExtensionsApi } from '../../src/extensions/extensions-api';
import { TelemetryApi } from '../../src/extensions/telemetry';
import { logEvent, platformEvents, type TelemetryEvent } from '../../src/extensions/telemetry-events';
import { BUFFERING, parseSubscription } from '../../src/extensions/telemetry-subscription';
import { reportLine } from '../../src/logging/report-lines';
import { sleep, until } from '../helpers/wait';
import { closeServer, listenOnLoopback } from '../helpers/loopback';

async function settle(): Promise<void> {
  await sleep(50);
}

/** The extension's telemetry listener: records each POST, answers with `status()`. */
class Listener {
  readonly batches: Array<{ path: string; host: string; events: TelemetryEvent[] }> = [];
  status: () => number | 'hang' = () => 200;
  private hung: Array<() => void> = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number) => {
        this.batches.push({ path: req.url!, host: req.headers.host!, events: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(status);
        res.end();
      };
      const s = this.status();
      if (s === 'hang') this.hung.push(() => answer(200));
      else answer(s);
    });
  });
  /** Answers the requests it has been sitting on. */
  release(): void {
    for (const answer of this.hung.splice(0)) answer();
  }
  get hanging(): number {
    return this.hung.length;
  }
  port = 0;
  async start(): Promise<void> {
    this.port = await listenOnLoopback(this.server);
  }
  async stop(): Promise<void> {
    await closeServer(this.server);
  }
  get events(): TelemetryEvent[] {
    return this.batches.flatMap((b) => b.events);
  }
}

function body(o: unknown): Buffer {
  return Buffer.from(JSON.stringify(o));
}

const subscription = (port: number, extra: Record<string, unknown> = {}) => ({
  schemaVersion: '2022-12-13',
  types: ['platform', 'function'],
  buffering: { maxItems: 1000, maxBytes: 262144, timeoutMs: 100 },
  destination: { protocol: 'HTTP', URI: `http://sandbox.localdomain:${port}/telemetry` },
  ...extra,
});

describe('Telemetry subscriptions (PUT /2022-07-01/telemetry)', () => {
  it("takes Lambda's defaults when buffering is left out", () => {
    const p = parseSubscription(
      body({ schemaVersion: '2022-12-13', types: ['platform'], destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' } }),
    );
    expect(p.ok && p.subscription.buffering).toEqual({ maxItems: 10000, maxBytes: 262144, timeoutMs: 1000 });
    expect(BUFFERING.timeoutMs).toEqual({ default: 1000, min: 25, max: 30000 });
  });

  it.each([
    ['no types', { types: [] }, 'types should not be empty'],
    ['an unknown type', { types: ['platform', 'metrics'] }, 'types: "metrics"'],
    ['an unknown schema version', { schemaVersion: '2020-01-01' }, 'schemaVersion must be one of'],
    ['maxItems below 1,000', { buffering: { maxItems: 999 } }, 'buffering.maxItems must be an integer from 1000 to 10000'],
    ['maxBytes above 1 MiB', { buffering: { maxBytes: 1048577 } }, 'buffering.maxBytes'],
    ['timeoutMs below 25', { buffering: { timeoutMs: 24 } }, 'buffering.timeoutMs must be an integer from 25 to 30000'],
    [
      'a host other than sandbox.localdomain',
      { destination: { protocol: 'HTTP', URI: 'http://169.254.169.254:80/' } },
      'host must be sandbox.localdomain',
    ],
    ['no port', { destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain/x' } }, 'URI port is not provided'],
    ['the reserved port 9001', { destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:9001' } }, 'reserved'],
    ['HTTPS', { destination: { protocol: 'HTTP', URI: 'https://sandbox.localdomain:443' } }, 'must use http'],
    ['TCP (not served here)', { destination: { protocol: 'TCP', port: 4000 } }, 'TCP is not supported'],
    ['no destination', { destination: undefined }, 'destination is required'],
  ])('refuses %s', (_what, change, message) => {
    const p = parseSubscription(body(subscription(4243, change)));
    expect(p.ok).toBe(false);
    expect(!p.ok && p.message).toContain(message);
  });

  it('refuses a body that is not JSON', () => {
    expect(parseSubscription(Buffer.from('{nope')).ok).toBe(false);
  });

  describe('over HTTP, through the Extensions API', () => {
    let server: http.Server;
    let port: number;
    let api: ExtensionsApi;

    beforeEach(async () => {
      api = new ExtensionsApi({
        fn: { functionName: 'f', functionVersion: '$LATEST', handler: 'h', accountId: '000000000000' },
        externalNames: ['tel'],
        telemetry: new TelemetryApi({ timers: new FakeClock(Date.parse('2024-05-01T12:00:00.000Z')), post: async () => true }),
      });
      server = http.createServer((req, res) => void api.handle(req, res));
      port = await listenOnLoopback(server);
    });
    afterEach(async () => {
      api.close();
      await closeServer(server);
    });

    function call(
      method: string,
      path: string,
      headers: Record<string, string>,
      payload?: string,
    ): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(payload);
      });
    }

    it('answers 200 "OK", 400 ValidationError, 403 without an identifier, 403 Telemetry.SubscriptionClosed after the init', async () => {
      const reg = await call('POST', '/2020-01-01/extension/register', { 'Lambda-Extension-Name': 'tel' }, '{"events":["INVOKE"]}');
      await call('POST', '/2020-01-01/extension/register', { 'Lambda-Extension-Name': 'other' }, '{"events":["INVOKE"]}');
      const ids = api.registered().map((x) => x.id);
      const ok = await call(
        'PUT',
        '/2022-07-01/telemetry',
        { 'Lambda-Extension-Identifier': ids[0], 'content-type': 'application/json' },
        JSON.stringify(subscription(4243)),
      );
      expect([ok.status, ok.body]).toEqual([200, '"OK"']);
      expect(api.telemetry.subscriberNames()).toEqual(['tel']);
      const bad = await call(
        'PUT',
        '/2022-07-01/telemetry',
        { 'Lambda-Extension-Identifier': ids[0] },
        JSON.stringify(subscription(4243, { types: [] })),
      );
      expect([bad.status, JSON.parse(bad.body).errorType]).toEqual([400, 'ValidationError']);
      const anonymous = await call('PUT', '/2022-07-01/telemetry', {}, JSON.stringify(subscription(4243)));
      expect([anonymous.status, JSON.parse(anonymous.body).errorType]).toEqual([403, 'Extension.MissingExtensionIdentifier']);
      // Init ends once both have asked for their first event; subscriptions close with it.
      for (const id of ids)
        void call('GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': id }).catch(() => undefined);
      await api.initDone();
      const late = await call(
        'PUT',
        '/2022-07-01/telemetry/',
        { 'Lambda-Extension-Identifier': ids[1] },
        JSON.stringify(subscription(4244)),
      );
      expect([late.status, JSON.parse(late.body)]).toEqual([
        403,
        { errorType: 'Telemetry.SubscriptionClosed', errorMessage: 'Telemetry API subscription is closed' },
      ]);
      expect(reg.status).toBe(200);
    });
  });
});

describe("Telemetry delivery to the extension's listener", () => {
  let listener: Listener;
  let timers: FakeClock;
  let telemetry: TelemetryApi;

  beforeEach(async () => {
    listener = new Listener();
    await listener.start();
    timers = new FakeClock(Date.parse('2024-05-01T12:00:00.000Z'));
    telemetry = new TelemetryApi({ timers });
  });
  afterEach(async () => {
    telemetry.close();
    await listener.stop();
  });

  it('POSTs a JSON array of {time, type, record} to sandbox.localdomain at the address given, after timeoutMs', async () => {
    telemetry.setSandboxAddress('127.0.0.1');
    expect(telemetry.subscribe('tel', body(subscription(listener.port))).status).toBe(200);
    telemetry.emit(platformEvents.start(timers.now(), { requestId: 'r1' }));
    telemetry.emit(logEvent('function', timers.now(), 'hello from the handler'));
    telemetry.emit(logEvent('extension', timers.now(), 'not subscribed'));
    await settle();
    expect(listener.batches).toHaveLength(0); // buffered for timeoutMs
    timers.advance(100);
    await until(() => listener.batches.length === 1);
    const [batch] = listener.batches;
    expect(batch.path).toBe('/telemetry');
    expect(batch.host).toBe(`sandbox.localdomain:${listener.port}`);
    expect(batch.events).toEqual([
      {
        time: '2024-05-01T12:00:00.000Z',
        type: 'platform.telemetrySubscription',
        record: { name: 'tel', state: 'Subscribed', types: ['platform', 'function'] },
      },
      { time: '2024-05-01T12:00:00.000Z', type: 'platform.start', record: { requestId: 'r1', version: '$LATEST' } },
      { time: '2024-05-01T12:00:00.000Z', type: 'function', record: 'hello from the handler' },
    ]);
  });

  it("waits for the container's address before delivering", async () => {
    telemetry.subscribe('tel', body(subscription(listener.port)));
    timers.advance(100);
    await settle();
    expect(listener.batches).toHaveLength(0);
    telemetry.setSandboxAddress('127.0.0.1');
    await until(() => listener.batches.length === 1);
  });

  it('sends at once when maxItems is reached', async () => {
    telemetry.setSandboxAddress('127.0.0.1');
    telemetry.subscribe('tel', body(subscription(listener.port, { types: ['function'], buffering: { maxItems: 1000, timeoutMs: 30000 } })));
    for (let i = 0; i < 1000; i++) telemetry.emit(logEvent('function', timers.now(), `line ${i}`));
    await until(() => listener.events.length === 1000);
    expect(listener.batches).toHaveLength(1);
  });

  it('retries a refused batch with backoff until the listener takes it', async () => {
    telemetry.setSandboxAddress('127.0.0.1');
    let answers = [500, 503, 200];
    listener.status = () => answers.shift() ?? 200;
    telemetry.subscribe('tel', body(subscription(listener.port, { types: ['function'] })));
    telemetry.emit(logEvent('function', timers.now(), 'important'));
    timers.advance(100);
    await until(() => listener.batches.length === 1);
    await settle(); // the refusal reaches the sender, which waits out its backoff
    timers.advance(100); // first backoff
    await until(() => listener.batches.length === 2);
    await settle();
    timers.advance(200); // second backoff
    await until(() => listener.batches.length === 3);
    expect(listener.batches.map((b) => b.events.map((e) => e.record))).toEqual([['important'], ['important'], ['important']]);
    answers = [];
  });

  it('a listener that does not answer blocks nothing: past the buffer, events are dropped and then reported by platform.logsDropped', async () => {
    telemetry.setSandboxAddress('127.0.0.1');
    listener.status = () => 'hang';
    telemetry.subscribe(
      'tel',
      body(subscription(listener.port, { types: ['function', 'platform'], buffering: { maxItems: 1000, timeoutMs: 25 } })),
    );
    timers.advance(25); // the subscription event goes out, and the listener sits on it
    await until(() => listener.hanging === 1);
    for (let i = 0; i < 1500; i++) telemetry.emit(logEvent('function', timers.now(), `line ${i}`)); // returns at once
    listener.status = () => 200;
    listener.release();
    await until(() => listener.batches.length === 2);
    const second = listener.batches[1].events;
    expect(second[0]).toMatchObject({ type: 'platform.logsDropped', record: { droppedRecords: 500 } });
    expect(second.slice(1).map((e) => e.record)).toEqual(Array.from({ length: 1000 }, (_, i) => `line ${i}`));
  });

  it('reports dropped events when the listener catches up', async () => {
    telemetry.setSandboxAddress('127.0.0.1');
    let fail = true;
    listener.status = () => (fail ? 500 : 200);
    telemetry.subscribe(
      'tel',
      body(subscription(listener.port, { types: ['function', 'platform'], buffering: { maxItems: 1000, timeoutMs: 25 } })),
    );
    timers.advance(25);
    await until(() => listener.batches.length === 1); // refused: retried later
    await settle();
    for (let i = 0; i < 1200; i++) telemetry.emit(logEvent('function', timers.now(), `line ${i}`));
    fail = false;
    timers.advance(100); // backoff over: the first batch again, then at once the full buffer
    await until(() => listener.batches.length === 3);
    const last = listener.batches[2].events;
    expect(last[0]).toMatchObject({ type: 'platform.logsDropped', record: { droppedRecords: 200, reason: expect.any(String) } });
    expect(last).toHaveLength(1001);
    expect(last[1000].record).toBe('line 999');
  });

  it('delivery failures never reach the emitter (no listener at all)', async () => {
    telemetry.setSandboxAddress('127.0.0.1');
    const port = listener.port;
    await listener.stop();
    telemetry.subscribe('tel', body(subscription(port, { types: ['function'] })));
    telemetry.emit(logEvent('function', timers.now(), 'x'));
    timers.advance(100); // first attempt: connection refused
    await settle();
    timers.advance(100); // retried after the backoff, refused again
    await settle();
    await telemetry.flush(); // resolves (nothing delivered), never rejects
    listener = new Listener(); // for afterEach
    await listener.start();
    expect(listener.batches).toHaveLength(0);
  });
});

describe('Telemetry events (schema 2022-12-13)', () => {
  const at = Date.parse('2024-05-01T12:00:01.234Z');
  const tracing = { type: 'X-Amzn-Trace-Id' as const, value: 'Root=1-a-b;Parent=c;Sampled=0' };

  it("platform.report carries the REPORT line's figures", () => {
    const e = platformEvents.report(at, {
      requestId: 'r1',
      status: 'success',
      durationMs: 2599.404,
      memorySizeMB: 128,
      maxMemoryUsedMB: 94,
      initDurationMs: 549.041,
      tracing,
    });
    expect(e).toEqual({
      time: '2024-05-01T12:00:01.234Z',
      type: 'platform.report',
      record: {
        requestId: 'r1',
        status: 'success',
        tracing,
        metrics: { durationMs: 2599.4, billedDurationMs: 2600, memorySizeMB: 128, maxMemoryUsedMB: 94, initDurationMs: 549.04 },
      },
    });
    const line = reportLine({ requestId: 'r1', durationMs: 2599.404, memorySizeMb: 128, maxMemoryUsedMb: 94, initDurationMs: 549.041 });
    expect(line).toContain(
      'Duration: 2599.40 ms\tBilled Duration: 2600 ms\tMemory Size: 128 MB\tMax Memory Used: 94 MB\tInit Duration: 549.04 ms',
    );
  });

  it("a timed-out invocation's report has status timeout and no init duration when warm", () => {
    const e = platformEvents.report(at, {
      requestId: 'r2',
      status: 'timeout',
      errorType: 'Sandbox.Timedout',
      durationMs: 3000,
      memorySizeMB: 128,
      maxMemoryUsedMB: 60,
    });
    expect(e.record).toEqual({
      requestId: 'r2',
      status: 'timeout',
      errorType: 'Sandbox.Timedout',
      metrics: { durationMs: 3000, billedDurationMs: 3000, memorySizeMB: 128, maxMemoryUsedMB: 60 },
    });
  });

  it('init events', () => {
    expect(
      platformEvents.initStart(at, { initializationType: 'on-demand', phase: 'init', functionName: 'f', functionVersion: '$LATEST' }),
    ).toEqual({
      time: '2024-05-01T12:00:01.234Z',
      type: 'platform.initStart',
      record: { initializationType: 'on-demand', phase: 'init', functionName: 'f', functionVersion: '$LATEST' },
    });
    expect(
      platformEvents.initRuntimeDone(at, {
        initializationType: 'on-demand',
        phase: 'init',
        status: 'error',
        errorType: 'Runtime.ExitError',
      }).record,
    ).toEqual({
      initializationType: 'on-demand',
      phase: 'init',
      status: 'error',
      errorType: 'Runtime.ExitError',
    });
    expect(
      platformEvents.initReport(at, {
        initializationType: 'provisioned-concurrency',
        phase: 'invoke',
        status: 'timeout',
        durationMs: 10000.004,
      }).record,
    ).toEqual({
      initializationType: 'provisioned-concurrency',
      phase: 'invoke',
      status: 'timeout',
      metrics: { durationMs: 10000 },
    });
  });

  it('invoke events', () => {
    expect(platformEvents.start(at, { requestId: 'r1', tracing }).record).toEqual({ requestId: 'r1', version: '$LATEST', tracing });
    expect(
      platformEvents.runtimeDone(at, { requestId: 'r1', status: 'success', durationMs: 12.345, producedBytes: 8, tracing }).record,
    ).toEqual({
      requestId: 'r1',
      status: 'success',
      tracing,
      metrics: { durationMs: 12.35, producedBytes: 8 },
    });
    expect(platformEvents.extension(at, { name: 'log-extension', state: 'Ready', events: ['INVOKE', 'SHUTDOWN'] }).record).toEqual({
      name: 'log-extension',
      state: 'Ready',
      events: ['INVOKE', 'SHUTDOWN'],
    });
  });

  it('log lines: strings, or the object of a JSON line with JSON log format', () => {
    expect(logEvent('function', at, '{"level":"INFO","message":"hi"}', 'JSON').record).toEqual({ level: 'INFO', message: 'hi' });
    expect(logEvent('function', at, '{"level":"INFO","message":"hi"}', 'Text').record).toBe('{"level":"INFO","message":"hi"}');
    expect(logEvent('extension', at, 'not json', 'JSON')).toEqual({
      time: '2024-05-01T12:00:01.234Z',
      type: 'extension',
      record: 'not json',
    });
  });
});
