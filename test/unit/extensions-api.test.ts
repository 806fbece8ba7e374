import { FakeClock } from '../helpers/fake-clock';
import http from 'node:http';
import { ExtensionsApi } from '../../src/extensions/extensions-api';
import { ExtensionFailure } from '../../src/extensions/errors';
import { SHUTDOWN_LIMIT_MS, shutdownLimitMs } from '../../src/extensions/limits';
import { PhaseAbandoned } from '../../src/extensions/rounds';
import { TelemetryApi } from '../../src/extensions/telemetry';
import type { ExtensionsApiEvent } from '../../src/extensions/types';
import { sleep, until } from '../helpers/wait';
import { closeServer, listenOnLoopback } from '../helpers/loopback';

const X = '/2020-01-01/extension';

/** Time that moves only when told to. */
interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves on the next turns of the event loop; long enough for loopback requests to be served. */
async function settle(): Promise<void> {
  await sleep(50);
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined } {
  let done = false;
  let value: T | undefined;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    () => void (done = true),
  );
  return { settled: () => done, value: () => value };
}

describe('ExtensionsApi over HTTP', () => {
  let server: http.Server;
  let port: number;
  let api: ExtensionsApi;
  let timers: FakeClock;
  let events: ExtensionsApiEvent[];

  async function start(externalNames: string[] = ['ext-a', 'ext-b']): Promise<void> {
    timers = new FakeClock(1_700_000_000_000);
    events = [];
    api = new ExtensionsApi({
      fn: { functionName: 'hello', functionVersion: '$LATEST', handler: 'index.handler', accountId: '000000000000' },
      externalNames,
      telemetry: new TelemetryApi({ timers, sandboxAddress: '127.0.0.1' }),
      timers,
      onEvent: (e) => events.push(e),
    });
    server = http.createServer({ requestTimeout: 0 }, (req, res) => {
      if (!api.handle(req, res)) {
        res.writeHead(404);
        res.end('not ours');
      }
    });
    port = await listenOnLoopback(server);
  }

  afterEach(async () => {
    api.close();
    await closeServer(server);
  });

  async function register(name: string, events: string[] = ['INVOKE', 'SHUTDOWN']): Promise<string> {
    const r = await request(port, 'POST', `${X}/register`, { 'Lambda-Extension-Name': name }, JSON.stringify({ events }));
    expect(r.status).toBe(200);
    return r.headers['lambda-extension-identifier'] as string;
  }

  function next(id: string): Promise<Reply> {
    return request(port, 'GET', `${X}/event/next`, { 'Lambda-Extension-Identifier': id });
  }

  const invocation = {
    requestId: 'req-1',
    deadlineMs: 1_700_000_003_000,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
    traceId: 'Root=1-a-b;Parent=c;Sampled=0',
  };

  it('register answers 200 with Lambda-Extension-Identifier (spelled as Lambda does) and the function metadata', async () => {
    await start();
    const r = await request(port, 'POST', `${X}/register`, { 'Lambda-Extension-Name': 'ext-a' }, '{"events":["INVOKE","SHUTDOWN"]}');
    expect(r.status).toBe(200);
    expect(r.rawHeaders).toContain('Lambda-Extension-Identifier');
    expect(r.headers['lambda-extension-identifier']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(r.body)).toEqual({ functionName: 'hello', functionVersion: '$LATEST', handler: 'index.handler' });
    expect(api.registered()).toEqual([
      { id: r.headers['lambda-extension-identifier'], name: 'ext-a', external: true, events: ['INVOKE', 'SHUTDOWN'], state: 'registered' },
    ]);
    expect(events).toEqual([expect.objectContaining({ kind: 'registered', name: 'ext-a', external: true })]);
    const withAccount = await request(
      port,
      'POST',
      `${X}/register`,
      { 'Lambda-Extension-Name': 'ext-b', 'Lambda-Extension-Accept-Feature': 'accountId' },
      '{"events":["INVOKE"]}',
    );
    expect(JSON.parse(withAccount.body).accountId).toBe('000000000000');
  });

  it("refuses bad registrations with Lambda's 403 error types", async () => {
    await start(['ext-a']);
    const reg = (headers: Record<string, string>, body: string) =>
      request(port, 'POST', `${X}/register`, headers, body).then((r) => [r.status, JSON.parse(r.body).errorType]);
    expect(await reg({}, '{"events":["INVOKE"]}')).toEqual([403, 'Extension.InvalidExtensionName']);
    expect(await reg({ 'Lambda-Extension-Name': 'ext-a' }, '{not json')).toEqual([403, 'InvalidRequestFormat']);
    expect(await reg({ 'Lambda-Extension-Name': 'ext-a' }, '{"events":["INVOKE","BOGUS"]}')).toEqual([403, 'Extension.InvalidEventType']);
    expect(await reg({ 'Lambda-Extension-Name': 'ext-a' }, '{"events":"INVOKE"}')).toEqual([403, 'InvalidRequestFormat']);
    // Internal extensions (not in /opt/extensions) may not register for SHUTDOWN.
    expect(await reg({ 'Lambda-Extension-Name': 'in-runtime' }, '{"events":["SHUTDOWN"]}')).toEqual([403, 'Extension.InvalidEventType']);
    expect(await reg({ 'Lambda-Extension-Name': 'ext-a' }, '{"events":["INVOKE"]}')).toEqual([200, undefined]);
    expect(await reg({ 'Lambda-Extension-Name': 'ext-a' }, '{"events":["INVOKE"]}')).toEqual([403, 'Extension.InvalidExtensionState']);
    for (let i = 1; i < 10; i++) expect((await reg({ 'Lambda-Extension-Name': `int-${i}` }, '{"events":["INVOKE"]}'))[0]).toBe(200);
    expect(await reg({ 'Lambda-Extension-Name': 'int-11' }, '{}')).toEqual([403, 'Extension.TooManyExtensions']);
  });

  it('registration closes with the init: later registrations get 403 Extension.RegistrationClosed', async () => {
    await start([]);
    await api.initDone();
    const r = await request(port, 'POST', `${X}/register`, { 'Lambda-Extension-Name': 'late' }, '{"events":["INVOKE"]}');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({
      errorType: 'Extension.RegistrationClosed',
      errorMessage: 'Extension registration closed already',
    });
  });

  it('refuses missing, malformed and unknown identifiers', async () => {
    await start();
    const type = (r: Reply) => [r.status, JSON.parse(r.body).errorType];
    expect(type(await request(port, 'GET', `${X}/event/next`))).toEqual([403, 'Extension.MissingExtensionIdentifier']);
    expect(type(await next('nope'))).toEqual([403, 'Extension.InvalidExtensionIdentifier']);
    expect(type(await next('3da1f2dc-3222-475e-9205-e2e6c6318895'))).toEqual([403, 'Extension.UnknownExtensionIdentifier']);
  });

  it('serves only its paths: others are left to the Runtime API; wrong methods 405, unknown extension paths 404', async () => {
    await start();
    expect((await request(port, 'GET', '/2018-06-01/runtime/invocation/next')).body).toBe('not ours');
    expect((await request(port, 'GET', `${X}/register`)).status).toBe(405);
    expect((await request(port, 'POST', `${X}/event/next`)).status).toBe(405);
    expect((await request(port, 'GET', '/2022-07-01/telemetry')).status).toBe(405);
    const unknown = await request(port, 'GET', `${X}/bogus`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).errorType).toBe('InvalidRequest');
  });

  it('init ends when every registered extension has asked for its first event; /next is held meanwhile', async () => {
    await start();
    const a = await register('ext-a');
    const b = await register('ext-b', ['INVOKE']);
    const nextA = watch(next(a));
    await settle();
    const init = watch(api.initDone());
    await settle();
    expect(init.settled()).toBe(false); // ext-b has not asked yet
    const nextB = watch(next(b));
    await until(() => init.settled());
    expect(nextA.settled()).toBe(false); // held: nothing to deliver yet
    expect(nextB.settled()).toBe(false);
    expect(api.registered().map((x) => x.state)).toEqual(['ready', 'ready']);
  });

  it("INVOKE goes to the extensions registered for it, in Lambda's shape; invoke() ends when each asks for the next event", async () => {
    await start();
    const a = await register('ext-a', ['INVOKE', 'SHUTDOWN']);
    const s = await register('ext-b', ['SHUTDOWN']);
    const heldA = next(a);
    const heldS = watch(next(s));
    await api.initDone();
    const done = watch(api.invoke(invocation));
    const got = await heldA;
    expect(got.status).toBe(200);
    expect(got.rawHeaders).toContain('Lambda-Extension-Event-Identifier');
    expect(JSON.parse(got.body)).toEqual({
      eventType: 'INVOKE',
      deadlineMs: invocation.deadlineMs,
      requestId: 'req-1',
      invokedFunctionArn: invocation.invokedFunctionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: invocation.traceId },
    });
    await settle();
    expect(done.settled()).toBe(false); // ext-a is still working on it
    const heldAgain = watch(next(a));
    await until(() => done.settled());
    expect(heldS.settled()).toBe(false); // ext-b registered for SHUTDOWN only: not disturbed
    expect(heldAgain.settled()).toBe(false);
  });

  it('an INVOKE for an extension whose held /next went away waits until it asks again', async () => {
    await start();
    const a = await register('ext-a', ['INVOKE']);
    // Its first /next arrives and then the connection drops (the extension will retry).
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'GET',
        path: `${X}/event/next`,
        headers: { 'Lambda-Extension-Identifier': a },
        agent: false,
      });
      req.on('error', () => undefined);
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await api.initDone();
    await settle();
    const done = watch(api.invoke(invocation));
    await settle();
    expect(done.settled()).toBe(false);
    const got = await next(a); // the queued INVOKE comes at once
    expect(JSON.parse(got.body).requestId).toBe('req-1');
    expect(done.settled()).toBe(false);
    void next(a).catch(() => undefined);
    await until(() => done.settled());
  });

  it('SHUTDOWN carries the reason and deadline; shutdown() ends when each asks again (never answered)', async () => {
    await start();
    const a = await register('ext-a');
    const first = next(a);
    await settle();
    await api.initDone();
    const result = watch(api.shutdown('spindown', timers.now() + 2000));
    const got = await first;
    expect(JSON.parse(got.body)).toEqual({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: timers.now() + 2000 });
    const after = watch(next(a));
    await until(() => result.settled());
    expect(result.value()).toEqual({ pending: [] });
    await settle();
    expect(after.settled()).toBe(false);
    await expect(api.invoke(invocation)).rejects.toBeInstanceOf(PhaseAbandoned);
  });

  it('shutdown() gives up at the deadline, naming the extensions still busy', async () => {
    await start();
    const a = await register('ext-a');
    const b = await register('ext-b');
    const firstA = next(a);
    const firstB = next(b);
    await settle();
    await api.initDone();
    const result = watch(api.shutdown('timeout', timers.now() + 500));
    expect(JSON.parse((await firstA).body).shutdownReason).toBe('timeout');
    await firstB;
    void next(a).catch(() => undefined); // a is done; b never asks again
    await settle();
    expect(result.settled()).toBe(false);
    timers.advance(499);
    await settle();
    expect(result.settled()).toBe(false);
    timers.advance(1);
    await until(() => result.settled());
    expect(result.value()).toEqual({ pending: ['ext-b'] });
  });

  it('with no extension registered for SHUTDOWN, shutdown() ends at once', async () => {
    await start([]);
    await api.initDone();
    await expect(api.shutdown('spindown', timers.now() + 2000)).resolves.toEqual({ pending: [] });
  });

  it('/init/error fails the init with Extension.InitError; the extension can do nothing more', async () => {
    await start();
    const a = await register('ext-a');
    const init = api.initDone();
    const r = await request(
      port,
      'POST',
      `${X}/init/error`,
      { 'Lambda-Extension-Identifier': a, 'Lambda-Extension-Function-Error-Type': 'Extension.ConfigInvalid' },
      '{"errorMessage":"no config","errorType":"ConfigInvalid","stackTrace":[]}',
    );
    expect(r.status).toBe(202);
    expect(JSON.parse(r.body)).toEqual({ status: 'OK' });
    const err = await init.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtensionFailure);
    expect(err).toMatchObject({ errorType: 'Extension.InitError', extension: 'ext-a', reported: 'Extension.ConfigInvalid' });
    expect(events.find((e) => e.kind === 'init-error')).toMatchObject({ name: 'ext-a', errorType: 'Extension.ConfigInvalid' });
    const after = await next(a);
    expect([after.status, JSON.parse(after.body).errorType]).toEqual([403, 'Extension.InvalidExtensionState']);
    expect(api.failure?.errorType).toBe('Extension.InitError');
  });

  it('error reports need Lambda-Extension-Function-Error-Type', async () => {
    await start();
    const a = await register('ext-a');
    const r = await request(port, 'POST', `${X}/exit/error`, { 'Lambda-Extension-Identifier': a }, '{}');
    expect([r.status, JSON.parse(r.body)]).toEqual([
      403,
      { errorType: 'Extension.MissingHeader', errorMessage: 'Lambda-Extension-Function-Error-Type not found' },
    ]);
  });

  it('/exit/error during an invocation fails it with Extension.ExitError', async () => {
    await start();
    const a = await register('ext-a', ['INVOKE']);
    const first = next(a);
    await settle();
    await api.initDone();
    const invoked = api.invoke(invocation);
    await first;
    const r = await request(
      port,
      'POST',
      `${X}/exit/error`,
      { 'Lambda-Extension-Identifier': a, 'Lambda-Extension-Function-Error-Type': 'Extension.Broken' },
      '',
    );
    expect(r.status).toBe(202);
    await expect(invoked).rejects.toMatchObject({ errorType: 'Extension.ExitError', extension: 'ext-a' });
  });

  it('an extension process that exits (reported by the launcher) fails the phase with Extension.Crash', async () => {
    await start();
    const a = await register('ext-a', ['INVOKE']);
    void next(a).catch(() => undefined);
    await settle();
    await api.initDone();
    const invoked = api.invoke(invocation);
    const r = await request(port, 'POST', `${X}/_launcher/exited?name=ext-a&status=3`);
    expect(r.status).toBe(202);
    await expect(invoked).rejects.toMatchObject({ errorType: 'Extension.Crash', reported: 'exit status 3' });
    expect(events).toContainEqual({ kind: 'exited', name: 'ext-a', status: 3 });
  });

  it("the launcher's wait ends once every external extension has registered", async () => {
    await start(['ext-a', 'ext-b']);
    const wait = watch(request(port, 'GET', `${X}/_launcher/registered`));
    await register('ext-a');
    await settle();
    expect(wait.settled()).toBe(false);
    await register('ext-b');
    await until(() => wait.settled());
    expect(wait.value()?.status).toBe(200);
  });

  it("the launcher's wait fails when an external extension exits before registering", async () => {
    await start(['ext-a']);
    const wait = request(port, 'GET', `${X}/_launcher/registered`);
    await settle();
    await request(port, 'POST', `${X}/_launcher/exited?name=ext-a&status=127`);
    const r = await wait;
    expect([r.status, JSON.parse(r.body).errorType]).toEqual([500, 'Extension.Crash']);
  });

  it('close() ends held requests and abandons the phase in progress', async () => {
    await start();
    const a = await register('ext-a');
    await register('ext-b');
    const held = next(a).then(
      () => 'answered',
      () => 'closed',
    );
    await settle();
    const init = api.initDone(); // ext-b never asks
    api.close();
    expect(await held).toBe('closed');
    await expect(init).rejects.toBeInstanceOf(PhaseAbandoned);
  });

  it("Lambda's Shutdown limits: 0 ms without extensions, 500 ms internal only, 2,000 ms with external ones", async () => {
    expect(SHUTDOWN_LIMIT_MS).toEqual({ noExtensions: 0, internalOnly: 500, external: 2000 });
    expect(shutdownLimitMs({ external: false, internal: false })).toBe(0);
    expect(shutdownLimitMs({ external: false, internal: true })).toBe(500);
    expect(shutdownLimitMs({ external: true, internal: true })).toBe(2000);
    await start(['ext-a']);
    expect(api.shutdownLimitMs()).toBe(0);
    await register('in-runtime', ['INVOKE']);
    expect([api.hasInternal, api.hasExternal, api.shutdownLimitMs()]).toEqual([true, false, 500]);
    await register('ext-a');
    expect(api.shutdownLimitMs()).toBe(2000);
  });
});
