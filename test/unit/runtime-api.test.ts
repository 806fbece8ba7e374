import net from 'node:net';
import { RuntimeApiServer, type RuntimeApiOptions } from '../../src/runtime-api/server';
import { MAX_RESPONSE_BYTES, type RuntimeInvocation, type RuntimeOutcome } from '../../src/runtime-api/types';
import { httpRequest, ProcessFaults, rawRequest } from './fuzz-support';
import { sleep, waitFor } from '../helpers/wait';

const P = '/2018-06-01/runtime';

/** Isolation (docs/execution-context.md): no request a function sends its Runtime API answers worse than a 4xx for that request. */
describe('RuntimeApiServer against hostile requests', () => {
  const faults = new ProcessFaults();
  const servers: RuntimeApiServer[] = [];
  let nexts = 0;
  let initErrors: Array<{ type: string; body: string }> = [];

  beforeAll(() => faults.install());
  afterAll(() => faults.uninstall());
  beforeEach(() => {
    nexts = 0;
    initErrors = [];
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    expect(faults.seen).toEqual([]);
  });

  async function start(opts: RuntimeApiOptions = {}): Promise<RuntimeApiServer> {
    const api = await RuntimeApiServer.start(
      '127.0.0.1',
      {
        onNext: () => void nexts++,
        onInitError: (type, body) => void initErrors.push({ type, body: body.toString('utf8') }),
      },
      opts,
    );
    servers.push(api);
    return api;
  }

  function invocation(requestId = 'req-1'): RuntimeInvocation {
    return { requestId, payload: Buffer.from('{"n":1}'), deadlineMs: Date.now() + 60_000, functionArn: 'arn', traceId: 't' };
  }

  /** Delivers an invocation and has a client take it through GET /next. */
  async function delivered(api: RuntimeApiServer, requestId = 'req-1'): Promise<{ outcome: Promise<RuntimeOutcome> }> {
    const outcome = api.deliver(invocation(requestId));
    const next = await rawRequest(api.port, httpRequest('GET', `${P}/invocation/next`));
    expect(next.status).toBe(200);
    expect(next.headers['lambda-runtime-aws-request-id']).toBe(requestId);
    return { outcome }; // wrapped: an async function would wait for it
  }

  it('a request id with a malformed escape (%zz) is a 400, and the server serves on', async () => {
    const api = await start();
    const r = await rawRequest(api.port, httpRequest('POST', `${P}/invocation/%zz/response`, '{}'));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).errorType).toBe('InvalidRequestID');
    const { outcome } = await delivered(api);
    const ok = await rawRequest(api.port, httpRequest('POST', `${P}/invocation/req-1/response`, '"fine"'));
    expect(ok.status).toBe(202);
    expect(await outcome).toEqual({ kind: 'response', body: Buffer.from('"fine"') });
  });

  it("the runtime's own duration header is taken when it is a number, and ignored when it is not", async () => {
    const api = await start();
    const header = 'lambda-runtime-orchestrator-duration-ms';
    let { outcome } = await delivered(api, 'a');
    await rawRequest(api.port, httpRequest('POST', `${P}/invocation/a/response`, '1', { [header]: '1.250' }));
    expect(await outcome).toEqual({ kind: 'response', body: Buffer.from('1'), runtimeMs: 1.25 });
    ({ outcome } = await delivered(api, 'b'));
    await rawRequest(
      api.port,
      httpRequest('POST', `${P}/invocation/b/error`, '{}', { [header]: 'soon', 'lambda-runtime-function-error-type': 'E' }),
    );
    expect(await outcome).toEqual({ kind: 'error', errorType: 'E', body: Buffer.from('{}') });
    expect(((await outcome) as { runtimeMs?: number }).runtimeMs).toBeUndefined();
  });

  it('unknown routes and methods: 404 with the Runtime API error shape', async () => {
    const api = await start();
    for (const [method, path] of [
      ['GET', '/'],
      ['DELETE', `${P}/invocation/next`],
      ['POST', `${P}/invocation/x/other`],
      ['GET', '/%%%'],
    ]) {
      const r = await rawRequest(api.port, httpRequest(method, path));
      expect(r.status).toBe(404);
      expect(JSON.parse(r.body)).toMatchObject({ errorType: 'InvalidRequest' });
    }
  });

  it('a body cut off mid-way (10 bytes declared, 2 sent, closed) is ordinary: nothing reported, nothing claimed', async () => {
    const api = await start();
    await rawRequest(api.port, httpRequest('POST', `${P}/init/error`, 'ab', {}, 10), { abortAfterWrite: true });
    const { outcome } = await delivered(api);
    await rawRequest(api.port, httpRequest('POST', `${P}/invocation/req-1/response`, 'ab', {}, 10), { abortAfterWrite: true });
    await rawRequest(api.port, httpRequest('POST', `${P}/invocation/req-1/error`, 'ab', {}, 10), { abortAfterWrite: true });
    await waitFor('aborted connections closed', async () => (await api.connections()) === 0);
    expect(initErrors).toEqual([]);
    // The invocation still waits for its result, and takes a whole one.
    const ok = await rawRequest(api.port, httpRequest('POST', `${P}/invocation/req-1/response`, '{"after":"abort"}'));
    expect(ok.status).toBe(202);
    expect(await outcome).toEqual({ kind: 'response', body: Buffer.from('{"after":"abort"}') });
  });

  it('a body that stalls gets 408 after the body timeout and its connection is closed; the invocation stays open', async () => {
    const api = await start({ limits: { bodyTimeoutMs: 300 } });
    const { outcome } = await delivered(api);
    const r = await rawRequest(api.port, httpRequest('POST', `${P}/invocation/req-1/response`, 'ab', {}, 10), {
      waitMs: 10_000,
      untilClosed: true,
    });
    expect(r.status).toBe(408);
    expect(r.closedByServer).toBe(true);
    const ok = await rawRequest(api.port, httpRequest('POST', `${P}/invocation/req-1/response`, '1'));
    expect(ok.status).toBe(202);
    expect(await outcome).toEqual({ kind: 'response', body: Buffer.from('1') });
  });

  it('headers that never end get 408 after the headers timeout', async () => {
    const api = await start({ limits: { headersTimeoutMs: 200 } });
    const r = await rawRequest(api.port, `GET ${P}/invocation/next HTTP/1.1\r\nHost: x\r\n`, { waitMs: 10_000 });
    expect(r.status).toBe(408);
    expect(r.closedByServer).toBe(true);
  });

  it('the held GET /next outlives every timeout: it is answered whenever an invocation comes', async () => {
    const api = await start({ limits: { headersTimeoutMs: 100, bodyTimeoutMs: 100 } });
    const next = rawRequest(api.port, httpRequest('GET', `${P}/invocation/next`), { waitMs: 20_000 });
    await waitFor('the runtime asked for work', () => nexts === 1);
    await sleep(800); // 8 times both timeouts
    void api.deliver(invocation('late'));
    const r = await next;
    expect(r.status).toBe(200);
    expect(r.headers['lambda-runtime-aws-request-id']).toBe('late');
  });

  it('a second result for the same invocation while the first is being received: 403, discarded', async () => {
    const api = await start();
    const { outcome } = await delivered(api);
    const first = net.connect(api.port, '127.0.0.1');
    first.write(httpRequest('POST', `${P}/invocation/req-1/response`, '"fir', {}, 7));
    await sleep(100);
    const second = await rawRequest(api.port, httpRequest('POST', `${P}/invocation/req-1/response`, '"second"'));
    expect(second.status).toBe(403);
    expect(JSON.parse(second.body).errorType).toBe('InvalidStateTransition');
    first.end('st"');
    expect(await outcome).toEqual({ kind: 'response', body: Buffer.from('"first"') });
    first.destroy();
  });

  it("a response past Lambda's limit: too-large as soon as the limit is crossed, the rest drained, not kept", async () => {
    const api = await start();
    const { outcome } = await delivered(api);
    const socket = net.connect(api.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    const total = MAX_RESPONSE_BYTES + 4 * 1024 * 1024;
    socket.write(httpRequest('POST', `${P}/invocation/req-1/response`, Buffer.alloc(MAX_RESPONSE_BYTES + 1024, 'x'), {}, total));
    // Resolved before the body ends: the rest has not even been sent.
    expect(await outcome).toEqual({ kind: 'too-large', bytes: expect.any(Number) });
    await waitFor('413 answered', () => answer.includes('\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('RequestEntityTooLarge');
    // The rest is read and discarded; the connection then serves the next request.
    socket.write(Buffer.alloc(total - MAX_RESPONSE_BYTES - 1024, 'y'));
    answer = '';
    socket.write(httpRequest('GET', '/nowhere'));
    await waitFor('the same connection answers again', () => answer.includes('InvalidRequest'));
    socket.destroy();
  });

  it('connections past the cap are closed at once; the others serve on', async () => {
    const api = await start({ limits: { maxConnections: 4 } });
    const sockets = Array.from({ length: 10 }, () => net.connect(api.port, '127.0.0.1').on('error', () => undefined));
    const closed = () => sockets.filter((s) => s.destroyed || s.readableEnded).length;
    await waitFor('sockets past the cap closed by the server', () => closed() >= 6);
    for (const s of sockets) s.on('data', () => undefined); // let 'end' arrive
    expect(await api.connections()).toBeLessThanOrEqual(4);
    for (const s of sockets) s.destroy();
    await waitFor('all closed', async () => (await api.connections()) === 0);
    const ok = await rawRequest(api.port, httpRequest('GET', '/x'));
    expect(ok.status).toBe(404);
  });

  describe('allowPeer', () => {
    it('a refused peer is disconnected before anything is read; an allowed one is served', async () => {
      const seen: string[] = [];
      let allow = false;
      const api = await start({
        allowPeer: async (address) => {
          seen.push(address);
          await sleep(20);
          return allow;
        },
      });
      const refused = await rawRequest(api.port, httpRequest('POST', `${P}/init/error`, '{"x":1}'));
      expect(refused.status).toBeUndefined();
      expect(refused.closedByServer).toBe(true);
      expect(initErrors).toEqual([]);
      allow = true;
      const served = await rawRequest(
        api.port,
        httpRequest('POST', `${P}/init/error`, '{"x":2}', { 'lambda-runtime-function-error-type': 'E' }),
      );
      expect(served.status).toBe(202);
      expect(initErrors).toEqual([{ type: 'E', body: '{"x":2}' }]);
      expect(seen).toEqual(['127.0.0.1', '127.0.0.1']);
    });

    it('a check that throws refuses the peer', async () => {
      const api = await start({
        allowPeer: () => {
          throw new Error('cannot tell');
        },
      });
      const r = await rawRequest(api.port, httpRequest('GET', '/x'));
      expect(r.status).toBeUndefined();
      expect(r.closedByServer).toBe(true);
      await waitFor('refused socket gone', async () => (await api.connections()) === 0);
    });
  });
});
