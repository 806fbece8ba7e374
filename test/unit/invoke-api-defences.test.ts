import net from 'node:net';
import { InvokeApiServer } from '../../src/invoke-api/server';
import { INVOKE_API_LIMITS } from '../../src/invoke-api/limits';
import { fakeFunction, fakeInvoker, httpRequest, rawRequest } from './fuzz-support';
import { waitFor } from '../helpers/wait';

/** Clients that hold sockets or send odd headers must not lock anyone out (docs/invoke-api.md). */
describe('Invoke API defences', () => {
  const opened: net.Socket[] = [];
  let api: InvokeApiServer | undefined;

  afterEach(async () => {
    for (const s of opened.splice(0)) s.destroy();
    await api?.close();
    api = undefined;
  });

  /** Connections that send nothing, as an attacker's (all from 127.0.0.1: no per-address cap helps). */
  async function idleSockets(port: number, n: number): Promise<net.Socket[]> {
    const sockets = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => resolve(s));
            s.on('error', () => undefined);
            s.on('close', () => resolve(s));
            opened.push(s);
          }),
      ),
    );
    return sockets;
  }

  async function start(invoker = fakeInvoker(['echo']), limits = {}) {
    api = await InvokeApiServer.listen('127.0.0.1', 0, {
      invoker,
      region: 'eu-west-1',
      contexts: async () => ({}),
      onError: () => undefined,
      limits,
    });
    return { api, port: Number(new URL(api.url).port), invoker };
  }

  it('300 idle sockets: a real client still gets its answer, the oldest idle ones giving way', async () => {
    const { api, port } = await start();
    const flood = await idleSockets(port, 300);
    await waitFor('the flood accepted', async () => (await api.connections()) >= INVOKE_API_LIMITS.maxConnections - 1);
    expect(await api.connections()).toBeLessThanOrEqual(INVOKE_API_LIMITS.maxConnections);
    // fetch opens a connection of its own: it must be admitted and answered, well before any header timeout.
    let answer: { status: number; body: string } | undefined;
    void fetch(`${api.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{"still":"served"}' })
      .then(async (r) => (answer = { status: r.status, body: await r.text() }))
      .catch(() => undefined);
    await waitFor('an answer despite the flood', () => answer !== undefined, 15_000);
    expect(answer).toEqual({ status: 200, body: '{"still":"served"}' });
    expect(flood.filter((s) => s.destroyed || s.readableEnded).length).toBeGreaterThan(0);
  });

  it('a call in flight is never the one that gives way', async () => {
    const invoker = fakeInvoker(['echo']);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const plain = invoker.invoke;
    invoker.invoke = async (fn, req) => {
      await held;
      return plain(fn, req);
    };
    const { api, port } = await start(invoker, { maxConnections: 8 });
    const call = rawRequest(port, httpRequest('POST', '/2015-03-31/functions/echo/invocations', '{"long":"call"}'), { waitMs: 30_000 });
    await waitFor('the call in flight', async () => (await api.connections()) === 1);
    await idleSockets(port, 30); // far more than the cap: every idle one may go, the call may not
    release();
    const r = await call;
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"long":"call"}');
  });

  it('every connection busy: a new one is refused, as before', async () => {
    const invoker = fakeInvoker(['echo']);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const plain = invoker.invoke;
    invoker.invoke = async (fn, req) => {
      await held;
      return plain(fn, req);
    };
    const { port } = await start(invoker, { maxConnections: 2 });
    const calls = [1, 2].map(() =>
      rawRequest(port, httpRequest('POST', '/2015-03-31/functions/echo/invocations', '{}'), { waitMs: 30_000 }),
    );
    await waitFor('two calls in flight', async () => (await api!.connections()) === 2);
    const refused = await rawRequest(port, httpRequest('POST', '/2015-03-31/functions/echo/invocations', '{}'), { waitMs: 10_000 });
    expect(refused.status).toBeUndefined();
    expect(refused.closedByServer).toBe(true);
    release();
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("a new connection that sends nothing is closed after the first request's timeout", async () => {
    const { port } = await start(undefined, { firstRequestTimeoutMs: 300 });
    const [silent] = await idleSockets(port, 1);
    const closed = new Promise<void>((r) => silent.once('close', () => r()));
    await waitFor('the silent connection closed', async () => (await api!.connections()) === 0, 15_000);
    await closed;
    // A connection that did send its request keeps its keep-alive time.
    const r = await rawRequest(port, httpRequest('POST', '/2015-03-31/functions/echo/invocations', '{}'), { waitMs: 10_000 });
    expect(r.status).toBe(200);
  });

  describe('header lines past the limit: 431, not dropped', () => {
    const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v']));
    // httpRequest adds host and content-length.
    const limit = INVOKE_API_LIMITS.maxHeaders;

    it.each([
      ['Invoke', '/2015-03-31/functions/echo/invocations'],
      ['a function URL', '/urls/web/path'],
    ])('%s', async (_what, path) => {
      const invoker = fakeInvoker(['echo']);
      const web = { ...fakeFunction('web'), url: { invokeMode: 'BUFFERED' as const } };
      const lookup = invoker.fn;
      invoker.fn = (name) => (name === 'web' ? web : lookup(name));
      const { port } = await start(invoker);
      const over = await rawRequest(port, httpRequest('POST', path, '{}', headers(limit - 1)), { waitMs: 10_000, untilClosed: true });
      expect(over.status).toBe(431);
      expect(over.closedByServer).toBe(true);
      const within = await rawRequest(port, httpRequest('POST', path, '{}', headers(limit - 2)), { waitMs: 10_000 });
      expect(within.status).toBe(200);
      expect(invoker.calls).toEqual([`invoke ${path.startsWith('/urls') ? 'web' : 'echo'}`]);
    });
  });
});
