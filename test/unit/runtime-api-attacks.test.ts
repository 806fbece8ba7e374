import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { RuntimeApiServer } from '../../src/runtime-api/server';
import { RUNTIME_API_LIMITS } from '../../src/runtime-api/limits';
import { httpRequest, rawRequest } from './fuzz-support';
import { waitFor } from '../helpers/wait';

/**
 * Resource attacks on the Runtime API from a hostile function, from a separate process (so that only the server's memory and
 * descriptors are in this one): bodies held open, and idle sockets by the thousand.
 */
const verbose = process.env.FUZZ_VERBOSE === '1';
const MB = 1024 * 1024;

/** Runs an attacker script in its own node; resolves with it once it prints `ready <detail>`. */
function attacker(script: string, port: number): Promise<{ child: ChildProcess; detail: string }> {
  const child = spawn(process.execPath, ['-e', script, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready (.*)\n/.exec(out);
      if (m) resolve({ child, detail: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`attacker exited (${code}) before it was ready: ${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill();
  });
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe('the Runtime API under resource attacks', () => {
  const servers: RuntimeApiServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(limits = {}): Promise<RuntimeApiServer> {
    const api = await RuntimeApiServer.start('127.0.0.1', { onNext: () => undefined, onInitError: () => undefined }, { limits });
    servers.push(api);
    return api;
  }

  it("40 concurrent 6 MB response bodies held open barely grow the server's memory", async () => {
    const api = await start();
    // An invocation in flight, so that the bodies name a request id the server is waiting for.
    void api.deliver({ requestId: 'victim', payload: Buffer.from('{}'), deadlineMs: Date.now() + 60_000, functionArn: 'a', traceId: 't' });
    expect((await rawRequest(api.port, httpRequest('GET', '/2018-06-01/runtime/invocation/next'))).status).toBe(200);
    const rssBefore = process.memoryUsage().rss;
    // Each sends 6 MB of a body declared one byte longer, then holds the connection open.
    const script = `
      const net = require('net');
      const port = Number(process.argv[1]);
      const body = Buffer.alloc(6 * 1024 * 1024, 'x');
      let settled = 0, flushed = 0;
      const sockets = [];
      for (let i = 0; i < 40; i++) {
        const s = net.connect(port, '127.0.0.1');
        sockets.push(s);
        const done = (ok) => { if (s.settled) return; s.settled = true; settled++; if (ok) flushed++; if (settled === 40) console.log('ready ' + flushed); };
        s.on('error', () => done(false));
        s.on('close', () => done(false));
        s.write('POST /2018-06-01/runtime/invocation/victim/response HTTP/1.1\\r\\nhost: x\\r\\ncontent-length: ' + (body.length + 1) + '\\r\\n\\r\\n');
        s.write(body, (err) => done(!err));
      }
      setInterval(() => {}, 1000);
    `;
    const { child, detail } = await attacker(script, api.port);
    const held = await api.connections();
    const rssHeld = process.memoryUsage().rss;
    if (verbose) {
      console.log(
        `body attack: ${detail} of 40 bodies fully sent, ${held} connections held, RSS ${(rssBefore / MB).toFixed(0)} -> ${(rssHeld / MB).toFixed(0)} MB`,
      );
    }
    await stop(child);
    expect(held).toBeLessThanOrEqual(RUNTIME_API_LIMITS.maxConnections);
    // One body at a time is kept (the one for the invocation in flight); the others are read and dropped.
    expect(rssHeld - rssBefore).toBeLessThan(48 * MB);
    await waitFor("the attacker's connections closed", async () => (await api.connections()) === 0);
  });

  it('1,100 idle sockets get only the cap; descriptors stay bounded, other contexts serve on, silent sockets are closed', async () => {
    const victim = await start({ headersTimeoutMs: 1000 });
    const neighbour = await start();
    const fdsBefore = openFds();
    const script = `
      const net = require('net');
      const port = Number(process.argv[1]);
      let connected = 0, closed = 0;
      const sockets = [];
      for (let i = 0; i < 1100; i++) {
        const s = net.connect(port, '127.0.0.1');
        sockets.push(s);
        s.on('connect', () => connected++);
        s.on('error', () => undefined);
        s.on('close', () => closed++);
      }
      // Report once the server has dropped what it will not keep.
      const t = setInterval(() => {
        if (connected + closed >= 1100 && sockets.filter((s) => !s.destroyed).length <= ${RUNTIME_API_LIMITS.maxConnections} + 50) {
          clearInterval(t);
          console.log('ready ' + sockets.filter((s) => !s.destroyed).length);
          setInterval(() => {}, 1000);
        }
      }, 50);
    `;
    const { child, detail } = await attacker(script, victim.port);
    const held = await victim.connections();
    const fdsDuring = openFds();
    // Another context's Runtime API is not starved.
    const other = await rawRequest(neighbour.port, httpRequest('GET', '/unknown'));
    // Sockets that never send a request are closed after the headers timeout.
    await waitFor('silent sockets closed by the headers timeout', async () => (await victim.connections()) === 0);
    const fdsAfter = openFds();
    if (verbose) {
      console.log(
        `socket attack: 1100 opened, ${detail} still open at the attacker, ${held} held by the server, fds ${fdsBefore} -> ${fdsDuring} -> ${fdsAfter}`,
      );
    }
    await stop(child);
    expect(held).toBeLessThanOrEqual(RUNTIME_API_LIMITS.maxConnections);
    expect(fdsDuring - fdsBefore).toBeLessThanOrEqual(RUNTIME_API_LIMITS.maxConnections + 4);
    expect(other.status).toBe(404);
  });
});
