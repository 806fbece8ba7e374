/**
 * The runtime images against a real Docker engine: build (offline, from the host base), then run
 * containers of them against a fake Runtime API served from this process on the bridge gateway.
 */
import { promises as fsp } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import { ensureRuntimeImage, runtimeImageRef } from '../../src/images/images';
import { imageExists } from '../../src/images/engine-images';
import { parseLddOutput } from '../../src/images/ldd';
import type { RuntimeName } from '../../src/config/types';
import { sleep, waitFor } from '../helpers/wait';

const docker = new Dockerode();
const TEST_LABEL = { 'orchestrator.test': 'images' };
const FIXTURES = path.resolve(__dirname, '../fixtures/runtime');
const IMAGES_DIR = path.resolve(__dirname, '../../images');
const END = '\u001e' + 'END ';

jest.setTimeout(120_000);

// ---------------------------------------------------------------------------------------------
// A fake Runtime API: hands out queued events to GET /next, records what the runtime posts.

interface Posted {
  kind: 'response' | 'error' | 'init-error';
  id?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

interface QueuedEvent {
  id: string;
  body: string;
  headers: Record<string, string>;
}

class Deferred<T> {
  promise: Promise<T>;
  resolve!: (v: T) => void;
  constructor() {
    this.promise = new Promise<T>((r) => (this.resolve = r));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

class FakeRuntimeApi {
  private server = http.createServer((req, res) => this.handle(req, res));
  private queue: QueuedEvent[] = [];
  private heldNext: http.ServerResponse | undefined;
  private outcomes = new Map<string, Deferred<Posted>>();
  private nextWaiters: Array<{ n: number; d: Deferred<number> }> = [];
  readonly posts: Posted[] = [];
  readonly nextAt: number[] = [];
  readonly initError = new Deferred<Posted>();
  private seq = 0;
  address = '';
  port = 0;

  async listen(host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, () => resolve());
    });
    const addr = this.server.address() as { port: number };
    this.address = host;
    this.port = addr.port;
  }

  get endpoint(): string {
    return `${this.address}:${this.port}`;
  }

  async close(): Promise<void> {
    this.heldNext?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Queue an invocation; resolves with what the runtime posted for it. */
  invoke(event: unknown, headers: Record<string, string> = {}): { id: string; outcome: Promise<Posted>; queuedAt: number } {
    const id = `req-${process.pid}-${++this.seq}-${Math.random().toString(16).slice(2, 8)}`;
    const d = new Deferred<Posted>();
    this.outcomes.set(id, d);
    const queued: QueuedEvent = {
      id,
      body: JSON.stringify(event),
      headers: {
        'Lambda-Runtime-Aws-Request-Id': id,
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30_000),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:fixture',
        'Lambda-Runtime-Trace-Id': `Root=1-00000000-${id}`,
        ...headers,
      },
    };
    const queuedAt = Date.now();
    if (this.heldNext) {
      const res = this.heldNext;
      this.heldNext = undefined;
      this.send(res, queued);
    } else {
      this.queue.push(queued);
    }
    return { id, outcome: withTimeout(d.promise, 30_000, `the outcome of ${id}`), queuedAt };
  }

  /** Resolves (with its time) when the runtime has made its n-th GET /next (1-based). */
  nthNext(n: number): Promise<number> {
    if (this.nextAt.length >= n) return Promise.resolve(this.nextAt[n - 1]);
    const d = new Deferred<number>();
    this.nextWaiters.push({ n, d });
    return withTimeout(d.promise, 30_000, `GET /next #${n}`);
  }

  private send(res: http.ServerResponse, ev: QueuedEvent): void {
    res.writeHead(200, { 'Content-Type': 'application/json', ...ev.headers });
    res.end(ev.body);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      const at = Date.now();
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        this.nextAt.push(at);
        for (const w of this.nextWaiters.filter((x) => x.n <= this.nextAt.length)) w.d.resolve(this.nextAt[w.n - 1]);
        this.nextWaiters = this.nextWaiters.filter((x) => x.n > this.nextAt.length);
        const ev = this.queue.shift();
        if (ev) this.send(res, ev);
        else this.heldNext = res;
        return;
      }
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && m) {
        const id = decodeURIComponent(m[1]);
        const posted: Posted = { kind: m[2] as 'response' | 'error', id, headers: req.headers, body, at };
        this.posts.push(posted);
        this.outcomes.get(id)?.resolve(posted);
        res.writeHead(202, { 'Content-Type': 'application/json' });
        res.end('{"status":"OK"}');
        return;
      }
      if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        const posted: Posted = { kind: 'init-error', headers: req.headers, body, at };
        this.posts.push(posted);
        this.initError.resolve(posted);
        res.writeHead(202, { 'Content-Type': 'application/json' });
        res.end('{"status":"OK"}');
        return;
      }
      res.writeHead(404);
      res.end();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Containers of the images, with their output captured.

interface Running {
  container: Dockerode.Container;
  api: FakeRuntimeApi;
  stdout: () => string;
  stderr: () => string;
  startedAt: number;
}

const containers: Dockerode.Container[] = [];
const apis: FakeRuntimeApi[] = [];
const testImages: string[] = [];
let gateway = '';
const images: Partial<Record<RuntimeName, string>> = {};

async function run(runtime: RuntimeName, fixture: string, handler: string, env: Record<string, string> = {}): Promise<Running> {
  const api = new FakeRuntimeApi();
  apis.push(api);
  await api.listen(gateway);
  const environment = {
    AWS_LAMBDA_RUNTIME_API: api.endpoint,
    _HANDLER: handler,
    AWS_LAMBDA_FUNCTION_NAME: 'fixture',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fixture',
    AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef',
    AWS_REGION: 'us-east-1',
    ...env,
  };
  const container = await docker.createContainer({
    Image: images[runtime],
    Env: Object.entries(environment).map(([k, v]) => `${k}=${v}`),
    Labels: TEST_LABEL,
    User: '993:990',
    HostConfig: {
      Binds: [`${path.join(FIXTURES, fixture)}:/var/task:ro`],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,size=512m' },
      NetworkMode: 'bridge',
    },
  });
  containers.push(container);
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  docker.modem.demuxStream(stream, stdout, stderr);
  const startedAt = Date.now();
  await container.start();
  return { container, api, stdout: () => out, stderr: () => err, startedAt };
}

/** Wait until `predicate(stdout)` holds (the attach stream is asynchronous). */
async function stdoutWhen(r: Running, predicate: (out: string) => boolean, what: string): Promise<string> {
  await waitFor(
    () => `stdout to show ${what}; stdout:\n${r.stdout()}\nstderr:\n${r.stderr()}`,
    () => predicate(r.stdout()),
    30_000,
    20,
  );
  return r.stdout();
}

async function exitCode(r: Running): Promise<number> {
  const result = (await withTimeout(r.container.wait(), 20_000, 'the container to exit')) as { StatusCode: number };
  return result.StatusCode;
}

const LINE = (id: string, level: string, msg: string): RegExp =>
  new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${id}\\t${level}\\t${msg}$`);

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  const bridge = await docker.getNetwork('bridge').inspect();
  gateway = bridge?.IPAM?.Config?.[0]?.Gateway ?? '172.17.0.1';
  for (const runtime of ['nodejs20.x', 'provided'] as const) {
    images[runtime] = await ensureRuntimeImage(docker, runtime, { base: 'host' });
  }
}, 600_000);

afterAll(async () => {
  await Promise.all(containers.map((c) => c.remove({ force: true }).catch(() => undefined)));
  await Promise.all(apis.map((a) => a.close().catch(() => undefined)));
  for (const ref of testImages) {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  }
}, 120_000);

describe('building the runtime images', () => {
  /** A copy of images/ with a nonce, so that its images are new: built here, removed after. */
  async function freshImagesDir(): Promise<string> {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'orchestrator-images-test-'));
    await fsp.cp(IMAGES_DIR, dir, { recursive: true });
    const nonce = `${Date.now()}-${Math.random()}`;
    for (const family of ['nodejs', 'provided']) await fsp.writeFile(path.join(dir, family, '.test-nonce'), nonce);
    return dir;
  }

  test('first call builds, second returns the same content-addressed tag without building', async () => {
    const dir = await freshImagesDir();
    try {
      for (const runtime of ['nodejs20.x', 'provided'] as const) {
        const lines: string[] = [];
        const expected = await runtimeImageRef(runtime, { base: 'host', imagesDir: dir });
        expect(expected).toMatch(new RegExp(`^lambda-orchestrator/${escapeRe(runtime)}:[0-9a-f]{12}$`));
        expect(await imageExists(docker, expected)).toBe(false);
        testImages.push(expected);

        let t = Date.now();
        const ref = await ensureRuntimeImage(docker, runtime, {
          base: 'host',
          imagesDir: dir,
          labels: TEST_LABEL,
          onProgress: (l) => lines.push(l),
        });
        const buildMs = Date.now() - t;
        expect(ref).toBe(expected);
        expect(lines.some((l) => /Successfully tagged/.test(l))).toBe(true);

        const again: string[] = [];
        t = Date.now();
        const ref2 = await ensureRuntimeImage(docker, runtime, { base: 'host', imagesDir: dir, onProgress: (l) => again.push(l) });
        const cachedMs = Date.now() - t;
        expect(ref2).toBe(ref);
        expect(again).toEqual([]); // nothing built (how fast the lookup is: printed, not asserted)

        const info = await docker.getImage(ref).inspect();
        expect(info.Config.Labels).toMatchObject({ 'orchestrator.image': runtime, 'orchestrator.test': 'images' });
        expect(info.Config.User).toBe('993:990');
        expect(info.Config.WorkingDir).toBe('/var/task');
        expect(info.Config.Env).toEqual(expect.arrayContaining(['LAMBDA_TASK_ROOT=/var/task', 'TZ=:UTC']));

        console.log(`${runtime}: built in ${buildMs} ms, cached lookup ${cachedMs} ms (${ref})`);
      }
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  test('concurrent builders of one image (two module instances, as two processes) build it once', async () => {
    const dir = await freshImagesDir();
    try {
      let a!: typeof import('../../src/images/images');
      let b!: typeof import('../../src/images/images');
      jest.isolateModules(() => {
        a = require('../../src/images/images');
      });
      jest.isolateModules(() => {
        b = require('../../src/images/images');
      });
      expect(a).not.toBe(b);
      const expected = await runtimeImageRef('provided', { base: 'host', imagesDir: dir });
      testImages.push(expected);
      const lines: string[] = [];
      const opts = { base: 'host', imagesDir: dir, labels: TEST_LABEL, onProgress: (l: string) => lines.push(l) };
      const refs = await Promise.all([
        a.ensureRuntimeImage(docker, 'provided', opts),
        b.ensureRuntimeImage(docker, 'provided', opts),
        a.ensureRuntimeImage(docker, 'provided', opts),
      ]);
      expect(refs).toEqual([expected, expected, expected]);
      expect(lines.filter((l) => /Successfully tagged/.test(l))).toHaveLength(1);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  test('a build error names the runtime and carries the engine message', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'orchestrator-images-broken-'));
    try {
      await fsp.mkdir(path.join(dir, 'provided'));
      await fsp.writeFile(path.join(dir, 'provided', 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\nCOPY does-not-exist /x\n');
      await expect(ensureRuntimeImage(docker, 'provided', { base: 'host', imagesDir: dir, labels: TEST_LABEL })).rejects.toThrow(
        /provided runtime image .* failed: .*does-not-exist/,
      );
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  test('ldd output parsing keeps the loader line and skips the vdso', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f08)',
      '\tlibmissing.so.1 => not found',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f08)',
    ].join('\n');
    expect(parseLddOutput(out)).toEqual({
      paths: ['/lib/x86_64-linux-gnu/libdl.so.2', '/lib64/ld-linux-x86-64.so.2'],
      missing: ['libmissing.so.1'],
    });
  });
});

describe('the nodejs20.x runtime', () => {
  test('an async handler: result posted to /response, tab-formatted logs, END marker before it', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.asyncHandler');
    const firstNext = await r.api.nthNext(1);

    console.log(`create+start → first GET /next: ${firstNext - r.startedAt} ms`);

    const { id, outcome } = r.api.invoke({ hello: 'world' });
    const posted = await outcome;
    expect(posted.kind).toBe('response');
    expect(posted.headers['content-type']).toBe('application/json');
    const result = JSON.parse(posted.body);
    expect(result).toEqual({
      invocations: 1,
      echo: { hello: 'world' },
      awsRequestId: id,
      functionName: 'fixture',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/fixture',
      logStreamName: '2024/01/01/[$LATEST]0123456789abcdef',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture',
      traceId: `Root=1-00000000-${id}`,
      uid: 993,
      gid: 990,
      cwd: '/var/task',
    });

    // The runtime asks for the next invocation right after posting.
    await r.api.nthNext(2);

    const out = await stdoutWhen(r, (o) => o.includes(`${END}${id}\n`), 'the END marker');
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(LINE('undefined', 'INFO', 'init ran'));
    const mine = lines.slice(1);
    expect(mine[0]).toMatch(LINE(id, 'INFO', escapeRe('event {"hello":"world"}')));
    expect(mine[1]).toMatch(LINE(id, 'INFO', 'multi\rline'));
    expect(mine[2]).toMatch(LINE(id, 'WARN', 'warned'));
    expect(mine[3]).toMatch(LINE(id, 'ERROR', escapeRe('errored { n: 1 }')));
    expect(mine[4]).toMatch(LINE(id, 'DEBUG', 'debugged'));
    expect(mine[5]).toBe(`${END}${id}`);
    expect(mine).toHaveLength(6);
    expect(r.stderr()).toBe('');
  });

  test('module-level state persists across invocations of one container; it survives a pause', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.asyncHandler');
    const first = JSON.parse((await r.api.invoke({ n: 1 }).outcome).body);
    expect(first.invocations).toBe(1);
    await r.api.nthNext(2);

    // Frozen while its GET /next is pending, thawed later: the request simply continues.
    await r.container.pause();
    const second = r.api.invoke({ n: 2 });
    const early = await Promise.race([second.outcome.then(() => 'answered'), new Promise((res) => setTimeout(() => res('frozen'), 1500))]);
    expect(early).toBe('frozen');
    await r.container.unpause();
    const result = JSON.parse((await second.outcome).body);
    expect(result.invocations).toBe(2);
    expect(result.echo).toEqual({ n: 2 });
  });

  test('a callback handler waits for the empty event loop, unless told not to', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.callbackHandler');
    await r.api.nthNext(1);

    const waited = r.api.invoke({ timerMs: 400 });
    const p1 = await waited.outcome;
    expect(p1.kind).toBe('response');
    expect(JSON.parse(p1.body)).toEqual({ style: 'callback', waited: true });
    expect(p1.at - waited.queuedAt).toBeGreaterThanOrEqual(380);
    const out1 = await stdoutWhen(r, (o) => o.includes(`${END}${waited.id}`), 'the first END marker');
    // The timer's line belongs to the invocation: before the marker.
    expect(out1.indexOf('timer fired')).toBeGreaterThan(-1);
    expect(out1.indexOf('timer fired')).toBeLessThan(out1.indexOf(`${END}${waited.id}`));

    const quick = r.api.invoke({ timerMs: 2000, dontWait: true });
    const p2 = await quick.outcome;
    expect(JSON.parse(p2.body)).toEqual({ style: 'callback', waited: false });
    expect(p2.at - quick.queuedAt).toBeLessThan(1500);
  });

  test('a sync handler without result or callback answers null once the loop is empty', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.syncNoResult');
    const posted = await r.api.invoke({}).outcome;
    expect(posted.kind).toBe('response');
    expect(posted.body).toBe('null');
  });

  test('context.succeed (legacy) answers at once', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.legacySucceed');
    const posted = await r.api.invoke({}).outcome;
    expect(posted.kind).toBe('response');
    expect(JSON.parse(posted.body)).toEqual({ legacy: true });
  });

  test('a timer left by an invocation does not run while the runtime waits for the next event; after it, its exception ends the process (129)', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.lateThrow');
    const first = r.api.invoke({});
    expect((await first.outcome).body).toBe('"answered"');
    await r.api.nthNext(2);
    await sleep(1000); // the 300 ms timer is long overdue: it has not run
    expect(r.api.posts).toHaveLength(1);
    expect(r.stdout()).not.toContain('Uncaught Exception');

    // The next event is handed over, then the overdue timer throws: that invocation's error, and exit 129.
    const second = r.api.invoke({});
    expect(JSON.parse((await second.outcome).body)).toMatchObject({ errorType: 'Error', errorMessage: 'after the response' });
    expect(await exitCode(r)).toBe(129);
    const out = await stdoutWhen(r, (o) => o.includes('Uncaught Exception'), 'the uncaught exception');
    expect(out).toMatch(
      new RegExp(`\\t${second.id}\\tERROR\\tUncaught Exception \\t\\{"errorType":"Error","errorMessage":"after the response"`),
    );
  });

  test('a thrown error is posted to /error with errorType, errorMessage and trace, and logged as Lambda does', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.throwing');
    const { id, outcome } = r.api.invoke({});
    const posted = await outcome;
    expect(posted.kind).toBe('error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('TypeError');
    const body = JSON.parse(posted.body);
    expect(body.errorType).toBe('TypeError');
    expect(body.errorMessage).toBe('bad thing');
    expect(body.trace[0]).toBe('TypeError: bad thing');
    expect(body.trace[1]).toMatch(/^\s+at .*\/var\/task\/index\.js:\d+:\d+/);

    const out = await stdoutWhen(r, (o) => o.includes(`${END}${id}`), 'the END marker');
    const errLine = out.split('\n').find((l) => l.includes('\tERROR\tInvoke Error'));
    expect(errLine).toMatch(LINE(id, 'ERROR', 'Invoke Error \\t\\{.*'));
    const logged = JSON.parse(errLine!.split('Invoke Error \t')[1]);
    expect(logged).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad thing', extra: 42 });
    expect(logged.stack[0]).toBe('TypeError: bad thing');

    // A handled error does not end the context: it serves the next invocation.
    await r.api.nthNext(2);
  });

  test('non-Error throws and callback(err) are reported like the RIC does', async () => {
    const s = await run('nodejs20.x', 'node-basic', 'index.throwString');
    const c = await run('nodejs20.x', 'node-basic', 'index.callbackError');
    const strPosted = await s.api.invoke({}).outcome;
    expect(strPosted.kind).toBe('error');
    expect(JSON.parse(strPosted.body)).toEqual({ errorType: 'string', errorMessage: 'just a string', trace: [] });
    const cbPosted = await c.api.invoke({}).outcome;
    expect(cbPosted.kind).toBe('error');
    expect(JSON.parse(cbPosted.body)).toMatchObject({ errorType: 'Error', errorMessage: 'callback failed' });
  });

  test('an unhandled rejection fails the invocation and ends the process', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.unhandledRejection');
    const { id, outcome } = r.api.invoke({});
    const posted = await outcome;
    expect(posted.kind).toBe('error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('Runtime.UnhandledPromiseRejection');
    expect(JSON.parse(posted.body)).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: nobody catches me',
    });
    expect(await exitCode(r)).toBe(128);
    const out = r.stdout();
    expect(out).toMatch(new RegExp(`\\t${id}\\tERROR\\tUnhandled Promise Rejection \\t\\{"errorType":"Runtime.UnhandledPromiseRejection"`));
    expect(out.indexOf('Unhandled Promise Rejection')).toBeLessThan(out.indexOf(`${END}${id}`));
  });

  test('an uncaught exception fails the invocation and exits 129', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.uncaught');
    const { id, outcome } = r.api.invoke({});
    const posted = await outcome;
    expect(posted.kind).toBe('error');
    expect(JSON.parse(posted.body)).toMatchObject({ errorType: 'RangeError', errorMessage: 'kaboom' });
    expect(await exitCode(r)).toBe(129);
    expect(r.stdout()).toMatch(new RegExp(`\\t${id}\\tERROR\\tUncaught Exception \\t\\{"errorType":"RangeError"`));
  });

  test('context: clientContext, identity, getRemainingTimeInMillis, callbackWaitsForEmptyEventLoop', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.contextInfo');
    const clientContext = { client: { installation_id: 'abc' }, custom: { tenant: 't1' }, env: { locale: 'en' } };
    const identity = { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' };
    const posted = await r.api.invoke(
      {},
      {
        'Lambda-Runtime-Client-Context': JSON.stringify(clientContext),
        'Lambda-Runtime-Cognito-Identity': JSON.stringify(identity),
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 5000),
      },
    ).outcome;
    const result = JSON.parse(posted.body);
    expect(result.clientContext).toEqual(clientContext);
    expect(result.identity).toEqual(identity);
    // The deadline 5 s after the event was made: what is left depends on how soon the handler ran.
    expect(result.remaining).toBeGreaterThan(0);
    expect(result.remaining).toBeLessThanOrEqual(5000);
    expect(result.waits).toBe(true);
  });

  test('nested export paths, a module in a sub-folder, ES modules (.mjs and "type": "module")', async () => {
    const nested = await run('nodejs20.x', 'node-basic', 'index.handlers.nested.main');
    const sub = await run('nodejs20.x', 'node-basic', 'lib/app.handlers.main');
    const mjs = await run('nodejs20.x', 'esm-mjs', 'index.handler');
    const pkg = await run('nodejs20.x', 'esm-pkg', 'index.handler');
    const [a, b, c, d] = await Promise.all([nested, sub, mjs, pkg].map((r) => r.api.invoke({ x: 1 }).outcome));
    expect(JSON.parse(a.body)).toEqual({ nested: true, event: { x: 1 } });
    expect(JSON.parse(b.body)).toEqual({ from: 'lib/app.handlers.main', event: { x: 1 } });
    expect(JSON.parse(c.body)).toEqual({ esm: 'mjs', loadedAt: 'top-level await works', platform: 'linux', event: { x: 1 } });
    expect(JSON.parse(d.body)).toEqual({ esm: 'package-type-module', event: { x: 1 } });
  });

  test('read-only root and code, writable /tmp', async () => {
    const r = await run('nodejs20.x', 'node-basic', 'index.files');
    const result = JSON.parse((await r.api.invoke({}).outcome).body);
    expect(result).toEqual({ tmp: 'scratch', taskRootWrite: 'EROFS', rootWrite: 'EROFS' });
  });

  describe('init errors are posted to /init/error and the process exits 1', () => {
    async function initError(fixture: string, handler: string): Promise<{ body: Record<string, unknown>; posted: Posted; r: Running }> {
      const r = await run('nodejs20.x', fixture, handler);
      const posted = await withTimeout(r.api.initError.promise, 20_000, '/init/error');
      expect(await exitCode(r)).toBe(1);
      expect(r.api.nextAt).toHaveLength(0);
      return { body: JSON.parse(posted.body), posted, r };
    }

    test('Runtime.HandlerNotFound', async () => {
      const { body, posted } = await initError('node-basic', 'index.nope');
      expect(posted.headers['lambda-runtime-function-error-type']).toBe('Runtime.HandlerNotFound');
      expect(body).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.nope is undefined or not exported' });
      const notFn = await initError('node-basic', 'index.notAFunction');
      expect(notFn.body).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.notAFunction is not a function' });
    });

    test('Runtime.ImportModuleError', async () => {
      const { body, r } = await initError('node-basic', 'missing.handler');
      expect(body.errorType).toBe('Runtime.ImportModuleError');
      expect(body.errorMessage).toMatch(/^Error: Cannot find module 'missing'\nRequire stack:\n(- \/var\/runtime\/[\w-]+\.js\n?)+$/);
      expect((body.trace as string[])[0]).toBe("Runtime.ImportModuleError: Error: Cannot find module 'missing'");
      expect(r.stdout()).toMatch(/\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime.ImportModuleError"/);
    });

    test('Runtime.UserCodeSyntaxError', async () => {
      const { body } = await initError('syntax-error', 'index.handler');
      expect(body.errorType).toBe('Runtime.UserCodeSyntaxError');
      expect(body.errorMessage).toMatch(/^SyntaxError: /);
    });

    test('a throw in init code keeps its own type', async () => {
      const { body, r } = await initError('init-throws', 'index.handler');
      expect(body).toMatchObject({ errorType: 'Error', errorMessage: 'init failed on purpose' });
      expect(r.stdout()).toMatch(/\tundefined\tINFO\tabout to fail\n/);
    });

    test('Runtime.MalformedHandlerName', async () => {
      const { body } = await initError('node-basic', 'nodot');
      expect(body).toMatchObject({ errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler' });
    });
  });
});

describe('the provided runtime', () => {
  test('a sh + curl bootstrap echoes events back', async () => {
    const r = await run('provided', 'provided-echo', 'ignored.handler');
    const first = r.api.invoke({ echo: 'me', n: [1, 2, 3] });
    const posted = await first.outcome;
    expect(posted.kind).toBe('response');
    expect(JSON.parse(posted.body)).toEqual({ echo: 'me', n: [1, 2, 3] });
    const second = await r.api.invoke({ again: true }).outcome;
    expect(JSON.parse(second.body)).toEqual({ again: true });
    const out = await stdoutWhen(r, (o) => o.includes(`${END}${first.id}\n`), 'the END marker');
    expect(out).toContain('bootstrap up, handler ignored.handler\n');
    expect(out).toContain(`handling ${first.id}\n`);
    expect(r.stderr()).toBe('');
  });
});
