/**
 * The runtime as the images start it: `node /var/runtime/index.js` in its own process, against a
 * fake Runtime API. Extra Node.js binaries (e.g. 22 and 24) can be given in RUNTIME_NODE_BINS
 * (colon-separated paths); the host's node is always used.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { RUNTIME_DIR, TASK_ROOT } from './runtime-modules';
import { closeServer, listenOnLoopback } from '../../helpers/loopback';

interface Req {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  trailers: Record<string, string | undefined>;
  at: number;
}

interface Run {
  requests: Req[];
  stdout: string[];
  exitCode: number | null;
  /** when each event was handed over */
  answeredAt: number[];
}

/** Runs the runtime until it exits or asks for an event beyond `events` (then it is killed). */
async function runRuntime(node: string, handler: string, events: unknown[], env: Record<string, string> = {}, holdMs = 0): Promise<Run> {
  const run: Run = { requests: [], stdout: [], exitCode: null, answeredAt: [] };
  let child: ChildProcess | undefined;
  let served = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      run.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        trailers: req.trailers,
        at: Date.now(),
      });
      if (!req.url?.endsWith('/invocation/next')) return res.writeHead(202).end('{}');
      if (served >= events.length) return child?.kill('SIGKILL'); // held, as a frozen context's
      const n = served++;
      setTimeout(
        () => {
          run.answeredAt.push(Date.now());
          res.writeHead(200, {
            'Lambda-Runtime-Aws-Request-Id': `req-${n + 1}`,
            'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30_000),
            'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:f',
          });
          res.end(JSON.stringify(events[n]));
        },
        n === 0 ? 0 : holdMs,
      );
    });
  });
  const port = await listenOnLoopback(server);
  child = spawn(node, [path.join(RUNTIME_DIR, 'index.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      LAMBDA_TASK_ROOT: TASK_ROOT,
      _HANDLER: handler,
      AWS_LAMBDA_FUNCTION_NAME: 'f',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('exit', (code) => {
    run.exitCode = code;
    done();
  });
  await finished;
  await closeServer(server);
  run.stdout = out.split('\n').filter((l) => l !== '');
  return run;
}

const posts = (run: Run) =>
  run.requests.filter((r) => r.method === 'POST').map((r) => [r.path.replace('/2018-06-01/runtime/', ''), JSON.parse(r.body || 'null')]);
const nodes = [process.execPath, ...(process.env.RUNTIME_NODE_BINS ?? '').split(':').filter(Boolean)];

describe.each(nodes)('runtime process on %s', (node) => {
  // Node.js 24 gets nodejs24.x's rules even without AWS_EXECUTION_ENV
  const node24 = Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]']).toString()) >= 24;
  const initLabel = node24 ? 'Init Error' : 'Uncaught Exception';

  it('serves events; timers, immediates and promises armed before a result run only after the next event arrives', async () => {
    const run = await runRuntime(node, 'timers.handler', [{ n: 1 }, { n: 2 }], {}, 200);
    expect(posts(run)).toEqual([
      ['invocation/req-1/response', { n: 1 }],
      ['invocation/req-2/response', { n: 2 }],
    ]);
    // The first call's callbacks: none before the second event was handed over (200 ms later).
    // The second call's never run: its process is killed while it waits for a third event.
    const fired = run.stdout.filter((l) => l.includes('\tfired '));
    expect(fired.map((l) => l.split('\t')[3].split(' ')[1]).sort()).toEqual([
      'immediate',
      'promise',
      'timer0',
      'timer1',
      'timer10',
      'timer50',
    ]);
    for (const line of fired) expect(Number(line.split(' ').pop())).toBeGreaterThanOrEqual(run.answeredAt[1]);
    expect(run.stdout.indexOf('\u001eEND req-1')).toBeLessThan(run.stdout.indexOf(fired[0]));
    expect(run.stdout[run.stdout.length - 1]).toBe('\u001eEND req-2');
  });

  (node24 ? it.skip : it)('callbackWaitsForEmptyEventLoop: the result goes out once the event loop is empty', async () => {
    const run = await runRuntime(node, 'waits.handler', [{}]);
    expect(posts(run)).toEqual([['invocation/req-1/response', 'after timer']]);
    expect(run.stdout.map((l) => l.split('\t')[3] ?? l)).toEqual(['timer done', '\u001eEND req-1']);
  });

  it.each([
    ['esm/app.handler', 'esm .js'],
    ['module.handler', 'mjs'],
  ])('loads ES modules: %s', async (handler, answer) => {
    const run = await runRuntime(node, handler, [{}]);
    expect(posts(run)).toEqual([['invocation/req-1/response', answer]]);
  });

  it.each([
    ['syntax.handler', 'Runtime.UserCodeSyntaxError', /^SyntaxError: Unexpected end of input$/],
    ['nothere.handler', 'Runtime.ImportModuleError', /^Error: Cannot find module 'nothere'\nRequire stack:\n- .*user-function\.js/],
    ['throws.handler', 'TypeError', /^init went wrong$/],
  ])('init failure %s: /init/error with %s, logged, exit 1', async (handler, errorType, message) => {
    const run = await runRuntime(node, handler, [{}]);
    expect(run.exitCode).toBe(1);
    const [[where, body]] = posts(run);
    expect(where).toBe('init/error');
    expect(body.errorType).toBe(errorType);
    expect(body.errorMessage).toMatch(message);
    expect(run.requests[0].headers['lambda-runtime-function-error-type']).toBe(errorType);
    expect(run.stdout[0]).toMatch(new RegExp(`^\\S+\\tundefined\\tERROR\\t${initLabel} \\t\\{"errorType":"${errorType}"`));
  });

  it('an uncaught exception fails the invocation and exits 129', async () => {
    const run = await runRuntime(node, 'crash.handler', [{}]);
    expect(run.exitCode).toBe(129);
    expect(posts(run)).toEqual([['invocation/req-1/error', expect.objectContaining({ errorType: 'Error', errorMessage: 'boom later' })]]);
  });

  it('JSON logs at WARN: INFO and DEBUG filtered out, errors with their fields', async () => {
    const run = await runRuntime(node, 'logs.handler', [{}], { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    const records = run.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(records.map((r) => [r.level, r.requestId])).toEqual([
      ['WARN', 'req-1'],
      ['ERROR', 'req-1'],
    ]);
    expect(records[1].message).toMatchObject({ errorType: 'Error', errorMessage: 'err line' });
  });

  it('streams a response: awslambda global, chunked POST in streaming mode, prelude and body', async () => {
    const run = await runRuntime(node, 'streaming.handler', [{}]);
    const post = run.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/2018-06-01/runtime/invocation/req-1/response');
    expect(post.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(post.headers['transfer-encoding']).toBe('chunked');
    expect(post.headers['content-type']).toBe('application/vnd.awslambda.http-integration-response');
    expect(post.body).toBe(`{"statusCode":201,"headers":{"x-a":"b"}}${'\0'.repeat(8)}hello world`);
    expect(run.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('nodejs24.x: a callback handler fails init with Runtime.CallbackHandlerDeprecated ("Init Error")', async () => {
    const run = await runRuntime(node, 'index.callbackStyle', [{}], { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' });
    expect(run.exitCode).toBe(1);
    expect(posts(run)[0][1]).toMatchObject({ errorType: 'Runtime.CallbackHandlerDeprecated' });
    expect(run.stdout[0]).toMatch(/\tERROR\tInit Error \t\{"errorType":"Runtime.CallbackHandlerDeprecated"/);
  });
});
