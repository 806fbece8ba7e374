import { Worker } from 'node:worker_threads';
import { runtimeModule } from './runtime-modules';
import { sleep } from '../../helpers/wait';

const { createBlockingTransport } = runtimeModule('blocking-transport.js');
const { RapidClient } = runtimeModule('rapid-client.js');

/**
 * A fake Runtime API in a worker thread: the test's main thread blocks in Atomics.wait, so the
 * server cannot live on it. It holds each GET /next for `holdMs` and puts the time it answered in
 * the event; `big` events carry a 6 MB payload.
 */
function startApi(holdMs: number): Promise<{ port: number; stop: () => Promise<number> }> {
  const code = `
    const http = require('http');
    const { parentPort, workerData } = require('worker_threads');
    let n = 0;
    const seen = [];
    http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push(req.method + ' ' + req.url);
        if (!req.url.endsWith('/next')) return res.writeHead(202).end();
        n += 1;
        setTimeout(() => {
          const payload = JSON.stringify({ n, answeredAt: Date.now(), seen, big: n === 3 ? 'x'.repeat(6 * 1024 * 1024 - 100) : '' });
          res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': 'id-' + n, 'Content-Type': 'application/json' }).end(payload);
        }, workerData.holdMs);
      });
    }).listen(0, '127.0.0.1', function () { parentPort.postMessage(this.address().port); });
  `;
  const worker = new Worker(code, { eval: true, workerData: { holdMs } });
  return new Promise((resolve) => worker.once('message', (port: number) => resolve({ port, stop: () => worker.terminate() })));
}

describe('blocking transport (worker thread + Atomics.wait)', () => {
  it('no timer, promise callback or immediate runs between the result and the next event; all run after', async () => {
    const api = await startApi(150);
    const transport = createBlockingTransport(`127.0.0.1:${api.port}`);
    const client = new RapidClient(transport);
    try {
      const first = client.next();
      expect(first.id).toBe('id-1');

      const fired: Record<string, number> = {};
      for (const ms of [0, 1, 10, 50]) setTimeout(() => (fired[`timer${ms}`] = Date.now()), ms);
      Promise.resolve()
        .then(() => undefined)
        .then(() => (fired.promise = Date.now()));
      setImmediate(() => (fired.immediate = Date.now()));

      const next = client.respondAndNext(first.id, '{"ok":true}'); // blocks ~150 ms in the worker
      expect(fired).toEqual({}); // nothing ran while the main thread waited
      const answer = JSON.parse(next.body);
      expect(next.id).toBe('id-2');
      expect(answer.seen).toEqual([
        'GET /2018-06-01/runtime/invocation/next',
        'POST /2018-06-01/runtime/invocation/id-1/response',
        'GET /2018-06-01/runtime/invocation/next',
      ]);

      await sleep(80);
      expect(Object.keys(fired).sort()).toEqual(['immediate', 'promise', 'timer0', 'timer1', 'timer10', 'timer50']);
      for (const at of Object.values(fired)) expect(at).toBeGreaterThanOrEqual(answer.answeredAt);

      const big = client.failAndNext(next.id, new Error('x')); // a 6 MB event comes through whole
      expect(JSON.parse(big.body).big).toHaveLength(6 * 1024 * 1024 - 100);
    } finally {
      await transport.close();
      await api.stop();
    }
  });

  it('a Runtime API that cannot be reached is a clear error, not a hang', async () => {
    const transport = createBlockingTransport('127.0.0.1:1');
    try {
      expect(() => new RapidClient(transport).next()).toThrow(/GET \/2018-06-01\/runtime\/invocation\/next failed: connect ECONNREFUSED/);
    } finally {
      await transport.close();
    }
  });
});
