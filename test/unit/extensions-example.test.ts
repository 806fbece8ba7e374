import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ExtensionsApi } from '../../src/extensions/extensions-api';
import { launcherCommand } from '../../src/extensions/launcher';
import { TelemetryApi } from '../../src/extensions/telemetry';
import type { ExtensionsApiEvent } from '../../src/extensions/types';
import { until } from '../helpers/wait';
import { closeServer, listenOnLoopback } from '../helpers/loopback';

const EXAMPLE = path.join(__dirname, '../../examples/layers/shell-extension/extensions/log-extension');

/**
 * The launcher and the example extension, run by the host's sh and curl against a real Extensions
 * API on loopback (what the container does against its context's Runtime API).
 */
describe('the launcher and the example shell extension', () => {
  let dir: string;
  let server: http.Server;
  let api: ExtensionsApi;
  let events: ExtensionsApiEvent[];
  let child: ChildProcess | undefined;
  let output: string[];

  async function start(externalNames: string[]): Promise<number> {
    events = [];
    api = new ExtensionsApi({
      fn: { functionName: 'hello', functionVersion: '$LATEST', handler: 'index.handler', accountId: '000000000000' },
      externalNames,
      telemetry: new TelemetryApi({ sandboxAddress: '127.0.0.1' }),
      onEvent: (e) => events.push(e),
    });
    server = http.createServer({ requestTimeout: 0 }, (req, res) => {
      if (!api.handle(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    return listenOnLoopback(server);
  }

  function launch(port: number): void {
    const [cmd, ...args] = launcherCommand(['/bin/sh', '-c', 'echo RUNTIME-UP'], path.join(dir, 'extensions'));
    output = [];
    child = spawn(cmd, args, {
      env: { PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _HANDLER: 'index.handler' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Extensions' lines come marked with their name (\u001eEXT <name>\t); the orchestrator strips it.
    // eslint-disable-next-line no-control-regex -- the launcher's record separator (\u001e) is what is matched
    const marker = /^\u001eEXT [^\t]*\t/;
    const collect = (chunk: Buffer) =>
      output.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.replace(marker, '')),
      );
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  }

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'launcher-test-'));
    await fs.mkdir(path.join(dir, 'extensions'));
  });
  afterEach(async () => {
    api?.close();
    if (server) await closeServer(server);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the example is executable in git (mode 100755)', async () => {
    const { execFileSync } = await import('node:child_process');
    const mode = execFileSync('git', ['ls-files', '-s', 'examples/layers/shell-extension/extensions/log-extension'], {
      cwd: path.join(__dirname, '../..'),
    }).toString();
    expect(mode.startsWith('100755')).toBe(true);
  });

  it('starts the extension before the runtime; the extension prints one line per INVOKE and SHUTDOWN', async () => {
    await fs.copyFile(EXAMPLE, path.join(dir, 'extensions/log-extension'));
    await fs.chmod(path.join(dir, 'extensions/log-extension'), 0o755);
    const port = await start(['log-extension']);
    launch(port);
    await until(() => output.includes('RUNTIME-UP'));
    // Registered before the runtime started, as on Lambda (the API says so; the extension's own
    // line comes through its marking pipe and may trail the runtime's).
    expect(api.registered().map((x) => x.name)).toEqual(['log-extension']);
    await until(() => output.includes('[log-extension] registered'));
    expect(api.registered()).toEqual([expect.objectContaining({ name: 'log-extension', external: true, events: ['INVOKE', 'SHUTDOWN'] })]);
    await api.initDone();
    for (const requestId of ['req-1', 'req-2']) {
      await api.invoke({
        requestId,
        deadlineMs: Date.now() + 3000,
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
        traceId: 'Root=1-a-b',
      });
    }
    // Shutdown ends when the extension's process has exited (it does not ask for another event).
    const result = await api.shutdown('spindown', Date.now() + 2000);
    expect(result).toEqual({ pending: [] });
    expect(events.some((e) => e.kind === 'exited')).toBe(true);
    expect(output.filter((l) => l.startsWith('[log-extension]'))).toEqual([
      '[log-extension] registered',
      '[log-extension] INVOKE req-1',
      '[log-extension] INVOKE req-2',
      '[log-extension] SHUTDOWN spindown',
    ]);
    expect(events).toContainEqual({ kind: 'exited', name: 'log-extension', status: 0 });
    expect(api.failure).toBeUndefined(); // exiting after SHUTDOWN is no crash
  });

  it('an extension that exits before registering stops the launch with Extension.Crash', async () => {
    await fs.writeFile(path.join(dir, 'extensions/broken'), '#!/bin/sh\necho broken starting\nexit 3\n');
    await fs.chmod(path.join(dir, 'extensions/broken'), 0o755);
    await fs.writeFile(path.join(dir, 'extensions/README'), 'not executable: not started');
    const port = await start(['broken']);
    launch(port);
    const code = await new Promise<number | null>((resolve) => child!.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).not.toContain('RUNTIME-UP');
    expect(api.failure).toMatchObject({ errorType: 'Extension.Crash', extension: 'broken', reported: 'exit status 3' });
  });

  it("hides the runtime's own variables from extensions", async () => {
    await fs.writeFile(
      path.join(dir, 'extensions/env-probe'),
      '#!/bin/sh\necho "handler=[${_HANDLER:-}] api=[${AWS_LAMBDA_RUNTIME_API:+set}]"\nexit 0\n',
    );
    await fs.chmod(path.join(dir, 'extensions/env-probe'), 0o755);
    const port = await start([]);
    launch(port);
    await until(() => output.some((l) => l.startsWith('handler=')));
    expect(output).toContain('handler=[] api=[set]');
  });
});
