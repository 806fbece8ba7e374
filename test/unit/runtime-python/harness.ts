/**
 * Runs images/python/runtime/bootstrap.py against a fake Runtime API on loopback.
 *
 * The runtime's stdout goes to a file, not a pipe: when a POST arrives, everything the runtime
 * wrote before sending it is already in the file, so "the END marker precedes the POST" is
 * checked without racing two channels.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { closeServer, listenOnLoopback } from '../../helpers/loopback';

const REPO = path.resolve(__dirname, '../../..');
export const RUNTIME_DIR = path.join(REPO, 'images/python/runtime');
const BOOTSTRAP = path.join(RUNTIME_DIR, 'bootstrap.py');
export const FIXTURES = path.join(__dirname, 'fixtures');
const PYTHON = process.env.PYTHON ?? 'python3';
/** The interpreter's own path: a version manager's shim (pyenv) costs ~0.3 s per start. */
let interpreter: string | undefined;

/** Fails with a clear message unless `python3` is 3.11 or newer. */
export function requirePython311(): void {
  let out: string;
  try {
    out = execFileSync(PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2]); print(sys.executable)'], {
      encoding: 'utf8',
    });
  } catch (err) {
    throw new Error(`the Python runtime tests need ${PYTHON} 3.11+ on PATH: ${(err as Error).message}`);
  }
  const [version, executable] = out.trim().split('\n');
  const [major, minor] = version.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 11)) {
    throw new Error(`the Python runtime tests need ${PYTHON} 3.11+, found ${version}`);
  }
  interpreter = executable || PYTHON;
}

/** The Python interpreter the tests run (after requirePython311). */
export function pythonInterpreter(): string {
  if (!interpreter) requirePython311();
  return interpreter!;
}

export interface FakeEvent {
  requestId: string;
  payload: unknown;
  headers?: Record<string, string>;
  /** ms the fake API holds this event back after the runtime asked for it. */
  holdMs?: number;
}

export interface Posted {
  kind: 'response' | 'error' | 'init-error';
  requestId?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The runtime's stdout when the POST arrived. */
  stdoutAtPost: string;
}

export interface RunResult {
  posted: Posted[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  connections: number;
  /** The runtime's stdout just before each event was handed out. */
  stdoutBeforeEvent: string[];
}

export interface RunOptions {
  fixture: string;
  handler: string;
  events?: FakeEvent[];
  env?: Record<string, string>;
}

const LAMBDA_ENV = {
  AWS_LAMBDA_FUNCTION_NAME: 'py-fn',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/py-fn',
  AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]abc',
  AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11',
  AWS_REGION: 'us-east-1',
};

export function deadlineIn(ms: number): string {
  return String(Date.now() + ms);
}

/** Serves `events` in order; ends when each has been answered, or when the runtime exits (with no events: waits for it to exit). */
export async function runRuntime(opts: RunOptions): Promise<RunResult> {
  const events = [...(opts.events ?? [])];
  const expected = events.length;
  const posted: Posted[] = [];
  const stdoutBeforeEvent: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyrt-'));
  const stdoutPath = path.join(tmp, 'stdout');
  const readStdout = () => fs.readFileSync(stdoutPath, 'utf8');
  let connections = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const maybeDone = () => {
    if (expected > 0 && posted.filter((p) => p.kind !== 'init-error').length >= expected) finish();
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        const ev = events.shift();
        if (!ev) return; // held until the runtime is killed, as a real idle context waits
        setTimeout(() => {
          stdoutBeforeEvent.push(readStdout());
          const body = JSON.stringify(ev.payload);
          res.writeHead(200, {
            'content-type': 'application/json',
            'lambda-runtime-aws-request-id': ev.requestId,
            'lambda-runtime-deadline-ms': deadlineIn(60_000),
            'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:py-fn',
            'lambda-runtime-trace-id': `Root=1-00000000-${ev.requestId}`,
            ...ev.headers,
          });
          res.end(body);
        }, ev.holdMs ?? 0);
        return;
      }
      const stdoutAtPost = readStdout();
      const body = Buffer.concat(chunks).toString('utf8');
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && m) {
        const kind = m[2] as 'response' | 'error';
        posted.push({ kind, requestId: decodeURIComponent(m[1]), headers: req.headers, body, stdoutAtPost });
      } else if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        posted.push({ kind: 'init-error', headers: req.headers, body, stdoutAtPost });
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      maybeDone();
    });
  });
  server.on('connection', () => connections++);
  const port = await listenOnLoopback(server);

  const out = fs.openSync(stdoutPath, 'w');
  const child = spawn(pythonInterpreter(), [BOOTSTRAP], {
    stdio: ['ignore', out, 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // No __pycache__ in the runtime's folder (it would change the image's content hash) or the fixtures.
      PYTHONDONTWRITEBYTECODE: '1',
      ...LAMBDA_ENV,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      LAMBDA_TASK_ROOT: path.join(FIXTURES, opts.fixture),
      LAMBDA_RUNTIME_DIR: path.dirname(BOOTSTRAP),
      _HANDLER: opts.handler,
      ...opts.env,
    },
  });
  fs.closeSync(out);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([done, exited]);
  child.kill('SIGKILL');
  const exitCode = await exited;
  await closeServer(server);
  const stdout = readStdout();
  fs.rmSync(tmp, { recursive: true, force: true });
  return { posted, stdout, stderr, exitCode, connections, stdoutBeforeEvent };
}

/** The runtime's stdout lines, without the END markers. */
export function logLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '' && !l.startsWith('\u001eEND '));
}
