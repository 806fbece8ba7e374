import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerExists as exists, containerState, docker } from '../helpers/orchestrator';
import { httpInvoke } from '../helpers/pool-load';
import { buildDist, freePort } from '../helpers/cli';
import { containersOfPid, UpChild } from '../helpers/up-child';
import { waitFor } from '../helpers/wait';

/**
 * Updates (docs/cli.md): `orchestrator up --watch`. A code change or a functions.yaml edit sends new
 * invocations to new contexts (new code, new settings) while in-flight ones finish on the old,
 * which are then removed; a broken functions.yaml is reported and the functions keep serving.
 */
jest.setTimeout(120_000);

const code = (version: string) => `// Which container: its id, in the source of its /etc/hostname mount (every hostname is \`sandbox\`).
const CONTEXT = (/containers\\/([0-9a-f]{64})\\//.exec(require('node:fs').readFileSync('/proc/self/mountinfo', 'utf8')) || [])[1];
exports.handler = async (event) => {
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs)); // the function's own code: no test helper in there
  return { code: '${version}', env: process.env.VERSION ?? null, id: event.id ?? null, host: CONTEXT };
};
`;

const yaml = (opts: { memorySize: string; version: string }) =>
  [
    'settings:',
    '  idleTimeout: 600',
    '  stemContexts: 0', // the containers of a function are counted: no stems
    'functions:',
    '  hello:',
    '    handler: index.handler',
    '    code: ./hello',
    `    memorySize: ${opts.memorySize}`,
    '    timeout: 10',
    '    environment:',
    `      VERSION: ${opts.version}`,
    '  other:',
    '    handler: index.handler',
    '    code: ./other',
    '',
  ].join('\n');

type Answer = { code: string; env: string | null; id: string | null; host: string };

describe('orchestrator up --watch', () => {
  let tmp: string;
  let file: string;
  let up: UpChild;
  let url: string;

  beforeAll(async () => {
    await buildDist();
    tmp = await fsp.mkdtemp(join(tmpdir(), 'orchestrator-watch-'));
    file = join(tmp, 'functions.yaml');
    for (const fn of ['hello', 'other']) {
      await fsp.mkdir(join(tmp, fn));
      await fsp.writeFile(join(tmp, fn, 'index.js'), code('v1'));
    }
    await fsp.writeFile(file, yaml({ memorySize: '128', version: 'cfg1' }));
    up = new UpChild(['-f', file, '--port', String(await freePort()), '--watch']);
    url = await up.serving();
    await up.printed(/watching .* for changes/);
  }, 180_000);

  afterAll(async () => {
    await up?.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  const call = async (name: string, event: object = {}): Promise<Answer> => {
    const r = await httpInvoke(url, name, event);
    expect(r.status).toBe(200);
    return r.body as Answer;
  };
  const containers = async () => (await containersOfPid(up.pid)).map((c) => ({ id: c.Id, fn: c.Labels['orchestrator.function'] }));

  it('a code change: new calls run the new code in a new context, the in-flight call finishes on the old one, which then goes', async () => {
    const first = await call('hello');
    const other = await call('other');
    expect(first).toMatchObject({ code: 'v1', env: 'cfg1' });
    const [oldContainer] = (await containers()).filter((c) => c.fn === 'hello');
    expect(oldContainer.id.startsWith(first.host)).toBe(true);

    const inflight = call('hello', { id: 'in-flight', sleepMs: 3000 }); // on the old context
    await waitFor('in flight', async () => !(await containerState(oldContainer.id)).Paused, 5000, 20);
    await fsp.writeFile(join(tmp, 'hello', 'index.js'), code('v2'));
    await up.printed(/updated hello \(code\)/);

    const fresh = await call('hello', { id: 'after-change' });
    expect(fresh).toMatchObject({ code: 'v2', id: 'after-change' });
    expect(fresh.host).not.toBe(first.host);
    expect(await exists(oldContainer.id)).toBe(true); // still busy with the in-flight call

    const finished = await inflight;
    expect(finished).toMatchObject({ code: 'v1', id: 'in-flight', host: first.host });
    await waitFor('the old context removed', async () => !(await exists(oldContainer.id)));
    expect((await containers()).filter((c) => c.fn === 'hello')).toHaveLength(1);
    // The other function was not touched: same warm context.
    expect((await call('other')).host).toBe(other.host);
  });

  it('a functions.yaml change: new settings in new contexts; a broken edit is reported and changes nothing', async () => {
    const before = await call('hello');
    const otherBefore = await call('other');
    await fsp.writeFile(file, yaml({ memorySize: '256', version: 'cfg2' }));
    await up.printed(/updated hello: new invocations/);

    const after = await call('hello');
    expect(after).toMatchObject({ code: 'v2', env: 'cfg2' });
    expect(after.host).not.toBe(before.host);
    const [ctx] = (await containers()).filter((c) => c.fn === 'hello');
    expect((await docker.getContainer(ctx.id).inspect()).HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect((await call('other')).host).toBe(otherBefore.host);

    // memorySize is on line 8: the report names the file, the line and the key.
    const printedBefore = up.stderr.length;
    await fsp.writeFile(file, yaml({ memorySize: 'lots', version: 'cfg3' }));
    await up.printed(
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8: functions\\.hello\\.memorySize: .*not applied, still serving the previous configuration`,
      ),
    );
    expect(up.stderr.slice(printedBefore)).not.toMatch(/updated hello/);
    const still = await call('hello');
    expect(still).toMatchObject({ code: 'v2', env: 'cfg2' });
    expect(still.host).toBe(after.host); // same warm context

    await fsp.writeFile(file, yaml({ memorySize: '256', version: 'cfg4' }));
    await waitFor('the fixed file applied', async () => (await call('hello')).env === 'cfg4', 30_000, 200);
  });

  it('stops on SIGTERM with exit 0, leaving no container', async () => {
    expect(await up.stop()).toEqual({ code: 0, signal: null });
    expect(await containersOfPid(up.pid)).toHaveLength(0);
  });
});
