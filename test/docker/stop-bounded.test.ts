import { promises as fsp } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containersOf, docker, FIXTURES } from '../helpers/orchestrator';
import { buildDist } from '../helpers/cli';
import { containersOfPid, UpChild } from '../helpers/up-child';
import { waitFor } from '../helpers/wait';

/**
 * `orchestrator up` ends within seconds of SIGINT whatever its clients hold open (docs/cli.md): a
 * call still running is answered with Lambda's ServiceException, idle keep-alive sockets are
 * closed, and every container it made is removed before it exits.
 */
jest.setTimeout(300_000);

let up: UpChild | undefined;
let tmp: string;

beforeAll(async () => {
  await buildDist();
  tmp = await fsp.mkdtemp(join(tmpdir(), 'orchestrator-stop-bounded-'));
}, 300_000);

afterAll(async () => {
  // Only if the test failed: this `up` must not outlive it, nor leave containers behind.
  if (up?.running) await up.kill('SIGKILL', 5_000);
  if (up)
    for (const c of await containersOfPid(up.pid))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** A request over `agent`; resolves with the status, the error type header and the body. */
function post(url: string, body: string, agent: http.Agent): Promise<{ status: number; errorType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, errorType: res.headers['x-amzn-errortype'] as string | undefined, body: text }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('stop is bounded', () => {
  it('SIGINT with a 60 s call in flight and an idle keep-alive socket: exits within 10 s, the caller gets ServiceException, no container is left', async () => {
    const file = join(tmp, 'functions.yaml');
    await fsp.writeFile(
      file,
      [
        'settings:',
        '  stemContexts: 0',
        'functions:',
        '  sleeper:',
        '    handler: index.handler',
        '    runtime: nodejs20.x',
        '    timeout: 120',
        `    code: ${join(FIXTURES, 'sleeper')}`,
        '  echo:',
        '    handler: index.handler',
        '    runtime: nodejs20.x',
        `    code: ${join(FIXTURES, 'echo')}`,
        '',
      ].join('\n'),
    );
    up = new UpChild(['-f', file, '--port', '0']);
    const url = await up.serving();
    const invocations = (name: string) => `${url}/2015-03-31/functions/${name}/invocations`;

    // A client that keeps its socket open, idle, after a call that is over.
    const idleAgent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    expect((await post(invocations('echo'), '{"n":1}', idleAgent)).status).toBe(200);
    const inFlightAgent = new http.Agent({ keepAlive: true });
    const call = post(invocations('sleeper'), JSON.stringify({ ms: 60_000 }), inFlightAgent).catch((err: Error) => err);
    await waitFor('the 60 s call to run', () => up!.stdout.includes('sleeping 60000 ms'), 60_000);

    const ours = await containersOfPid(up.pid);
    expect(ours.length).toBeGreaterThan(0);
    const instance = ours[0].Labels['orchestrator.instance'];
    expect(instance).toBeTruthy();

    process.kill(up.pid, 'SIGINT');
    await waitFor('orchestrator up to exit after SIGINT', () => !up!.running, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}:\n${up!.stderr}`);
    });
    expect(await up.exited).toEqual({ code: 0, signal: null });

    const answer = await call;
    if (answer instanceof Error) throw new Error(`the in-flight call got no answer: ${answer.message}\n${up.stderr}`);
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(answer.errorType).toBe('ServiceException');
    expect(JSON.parse(answer.body)).toMatchObject({ Type: 'Service', message: expect.stringMatching(/stopping/) });
    expect(await containersOf(instance)).toHaveLength(0);
    idleAgent.destroy();
    inFlightAgent.destroy();
  });
});
