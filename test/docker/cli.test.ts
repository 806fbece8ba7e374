import { existsSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureHostBaseImage } from '../../src/images/base-image';
import { imageExists } from '../../src/images/engine-images';
import { ensureRuntimeImage, runtimeImageRef } from '../../src/images/images';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { awsClientEnv, buildDist, cli, ROOT, run, type RunResult } from '../helpers/cli';
import { UpChild } from '../helpers/up-child';
import { containerState, docker, FIXTURES, startFixtureOrchestrator } from '../helpers/orchestrator';

/**
 * The command line around the library (docs/cli.md): `up` (building images with visible progress the
 * first time, reusing them after), `invoke`, and the AWS CLI as a client.
 *
 * The first `up` must find no runtime image, yet the shared engine has the project's: its functions
 * file names a base of its own (the host base under a test tag), so its runtime image tag is new.
 */
jest.setTimeout(60_000);

const nonce = `${process.pid}-${Date.now().toString(36)}`;
const TEST_BASE = `lambda-orchestrator-test/base:cli-${nonce}`;

let tmp: string;
let functionsFile: string;
let keeper: StartedOrchestrator | undefined;
let up: UpChild | undefined;
const ups: UpChild[] = []; // every `up` started, stopped in afterAll whatever failed
let url: string;

/** What a command printed on stdout, as JSON; on anything else, a failure that shows all it printed. */
function stdoutJson(r: RunResult): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`expected JSON on stdout; exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}

function startUp(): UpChild {
  up = new UpChild(['-f', functionsFile, '--port', '0']);
  ups.push(up);
  return up;
}
const imagesToRemove: string[] = [];

beforeAll(async () => {
  await buildDist();
  tmp = await fsp.mkdtemp(join(tmpdir(), 'orchestrator-cli-test-'));
  const hostBase = await ensureHostBaseImage(docker);
  const [repo, tag] = [TEST_BASE.slice(0, TEST_BASE.lastIndexOf(':')), TEST_BASE.slice(TEST_BASE.lastIndexOf(':') + 1)];
  await docker.getImage(hostBase).tag({ repo, tag });
  functionsFile = join(tmp, 'functions.yaml');
  await fsp.writeFile(
    functionsFile,
    [
      'settings:',
      '  baseImages:',
      `    nodejs20.x: ${TEST_BASE}`,
      'functions:',
      '  hello:',
      '    handler: index.handler',
      '    runtime: nodejs20.x', // the runtime whose base this test names
      `    code: ${join(ROOT, 'examples', 'hello')}`,
      '  fails:',
      '    handler: index.handler',
      '    runtime: nodejs20.x',
      `    code: ${join(FIXTURES, 'throws')}`,
      '',
    ].join('\n'),
  );
  // An orchestrator of this process, holding a frozen context while `up` starts in another one.
  ({ orch: keeper } = await startFixtureOrchestrator({ keeper: { code: 'reuse' } }));
  await keeper.invoke('keeper', {});
}, 300_000);

afterAll(async () => {
  await Promise.all(ups.map((u) => u.stop()));
  await keeper?.stop();
  for (const ref of [...imagesToRemove, TEST_BASE])
    await docker
      .getImage(ref)
      .remove()
      .catch(() => undefined);
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
}, 60_000);

describe('orchestrator up', () => {
  it('builds the runtime image the first time, with visible progress, then serves', async () => {
    const first = startUp();
    url = await first.serving();
    const built = /building (lambda-orchestrator\/nodejs20\.x:[0-9a-f]{12}) \(runtime nodejs20\.x, base ([^)]+)\)/.exec(first.stderr);
    expect(built).not.toBeNull();
    imagesToRemove.push(built![1]);
    expect(built![2]).toBe(TEST_BASE);
    const lines = first.stderr.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^orchestrator: building /)).toBeGreaterThanOrEqual(0);
    expect(at(/^orchestrator: Step 1\/\d+ : /)).toBeGreaterThan(at(/^orchestrator: building /));
    expect(at(/^orchestrator: Successfully tagged /)).toBeGreaterThan(at(/^orchestrator: Step 1\//));
    expect(at(/^orchestrator: serving 2 function\(s\) \(hello, fails\) on http:\/\/127\.0\.0\.1:\d+$/)).toBeGreaterThan(
      at(/^orchestrator: built /),
    );
    expect(await imageExists(docker, built![1])).toBe(true);
  });

  it('left the frozen context of an orchestrator in another process alone', async () => {
    const [ctx] = await keeper!.contexts();
    expect((await containerState(ctx.containerId!)).Paused).toBe(true);
    const r = await keeper!.invoke('keeper', {});
    expect(r.coldStart).toBe(false);
    expect(r.contextId).toBe(ctx.id);
  });
});

describe('orchestrator invoke', () => {
  it('prints the result and exits 0', async () => {
    const r = await cli(['invoke', 'hello', '--payload', '{"name":"cli"}', '--endpoint', url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(stdoutJson(r)).toMatchObject({ message: 'hello cli', invocations: 1 });
  });

  it('reads the payload from a file with @file, served warm by the same context', async () => {
    const file = join(tmp, 'event.json');
    await fsp.writeFile(file, JSON.stringify({ name: 'from a file' }));
    const r = await cli(['invoke', 'hello', '--payload', `@${file}`, '--endpoint', url]);
    expect(r.code).toBe(0);
    expect(stdoutJson(r)).toMatchObject({ message: 'hello from a file', invocations: 2 });
  });

  it('--log prints the log tail, START to REPORT', async () => {
    const r = await cli(['invoke', 'hello', '--endpoint', url, '--log']);
    expect(r.code).toBe(0);
    expect(stdoutJson(r)).toMatchObject({ message: 'hello world' });
    expect(r.stderr).toMatch(/^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST$/m);
    const id = /^START RequestId: (\S+)/m.exec(r.stderr)![1];
    expect(r.stderr).toContain(`\t${id}\tINFO\tinvocation 3 of this context`);
    expect(r.stderr).toContain(`END RequestId: ${id}`);
    expect(r.stderr).toMatch(
      new RegExp(
        `REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`,
      ),
    );
    // `up` printed the same lines on its output, prefixed with the function's name.
    expect(up!.stdout).toContain(`hello | END RequestId: ${id}`);
  });

  it("exits 1 on a function error, printing Lambda's error body", async () => {
    const r = await cli(['invoke', 'fails', '--payload', '{"why":"testing"}', '--endpoint', url]);
    expect(r.code).toBe(1);
    expect(stdoutJson(r)).toMatchObject({ errorType: 'Error', errorMessage: 'failed on purpose: testing' });
  });

  it('exits 1 with the service error for an unknown function', async () => {
    const r = await cli(['invoke', 'nope', '--endpoint', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ResourceNotFoundException.*function:nope/);
  });
});

describe('the AWS CLI as a client', () => {
  const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws'; // Debian's awscli package
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    env = awsClientEnv(tmp);
  });

  async function awsCli(args: string[]) {
    const r = await run(aws, ['lambda', ...args, '--endpoint-url', url, '--output', 'json'], { env, cwd: tmp }).catch((err: Error) => {
      throw new Error(`cannot run the AWS CLI (${aws}): install Debian's awscli package (.ci/run does). ${err.message}`);
    });
    if (r.code !== 0) throw new Error(`aws lambda ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  it('aws lambda invoke writes the payload to the out file', async () => {
    const out = await awsCli(['invoke', '--function-name', 'hello', 'out.json']);
    expect(out).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(JSON.parse(await fsp.readFile(join(tmp, 'out.json'), 'utf8'))).toMatchObject({ message: 'hello world' });
  });

  it('aws lambda invoke with a payload and --log-type Tail; a function error is reported as such', async () => {
    const ok = await awsCli([
      'invoke',
      '--function-name',
      'hello',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      '{"name":"aws"}',
      '--log-type',
      'Tail',
      'out-aws.json',
    ]);
    expect(JSON.parse(await fsp.readFile(join(tmp, 'out-aws.json'), 'utf8'))).toMatchObject({ message: 'hello aws' });
    expect(Buffer.from(String(ok.LogResult), 'base64').toString('utf8')).toMatch(/START RequestId: [\s\S]*REPORT RequestId: /);

    const failed = await awsCli(['invoke', '--function-name', 'fails', 'out-fails.json']);
    expect(failed).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(await fsp.readFile(join(tmp, 'out-fails.json'), 'utf8'))).toMatchObject({ errorType: 'Error' });
  });

  it('aws lambda list-functions and get-function', async () => {
    const list = (await awsCli(['list-functions'])) as { Functions: Array<{ FunctionName: string; MemorySize: number }> };
    expect(list.Functions.map((f) => f.FunctionName).sort()).toEqual(['fails', 'hello']);
    const got = (await awsCli(['get-function', '--function-name', 'hello'])) as { Configuration: { Timeout: number; Runtime: string } };
    expect(got.Configuration).toMatchObject({ Timeout: 3, Runtime: 'nodejs20.x' });
  });
});

describe('stopping and starting again', () => {
  it('SIGTERM removes every container `up` made and exits 0', async () => {
    const pid = up!.pid;
    const mine = () => docker.listContainers({ all: true, filters: { label: [`orchestrator.owner.pid=${pid}`] } });
    expect((await cli(['invoke', 'hello', '--endpoint', url])).code).toBe(0);
    expect((await mine()).length).toBeGreaterThan(0);
    const exit = await up!.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await mine()).toEqual([]);
  });

  it('a second `up` reuses the image it built: no build, serving at once', async () => {
    const started = Date.now();
    const second = startUp();
    url = await second.serving(30_000);
    const startMs = Date.now() - started;
    expect(second.stderr).not.toMatch(/building|Step \d+\/|assembling/);
    const r = await cli(['invoke', 'hello', '--endpoint', url]);
    expect(stdoutJson(r)).toMatchObject({ invocations: 1 });
    expect(await second.stop()).toEqual({ code: 0, signal: null });

    console.log(`second up served after ${startMs} ms`);
  });
});

describe('runtime images are tagged by content', () => {
  it('a changed file under images/<runtime family> gives a new tag; unchanged content keeps the tag', async () => {
    const projectRef = await ensureRuntimeImage(docker, 'nodejs20.x', { base: 'host' });
    const copy = await fsp.mkdtemp(join(tmpdir(), 'orchestrator-images-copy-'));
    try {
      await fsp.cp(join(ROOT, 'images'), copy, { recursive: true });
      const same: string[] = [];
      expect(await ensureRuntimeImage(docker, 'nodejs20.x', { base: 'host', imagesDir: copy, onProgress: (l) => same.push(l) })).toBe(
        projectRef,
      );
      expect(same).toEqual([]); // same content, same tag: nothing built

      await fsp.appendFile(join(copy, 'nodejs', 'Dockerfile'), `\n# changed by cli.test.ts ${nonce}\n`);
      const changedRef = await runtimeImageRef('nodejs20.x', { base: 'host', imagesDir: copy });
      expect(changedRef).toMatch(/^lambda-orchestrator\/nodejs20\.x:[0-9a-f]{12}$/);
      expect(changedRef).not.toBe(projectRef);
      imagesToRemove.push(changedRef);
      const lines: string[] = [];
      const ref = await ensureRuntimeImage(docker, 'nodejs20.x', {
        base: 'host',
        imagesDir: copy,
        labels: { 'orchestrator.test': 'cli' },
        onProgress: (l) => lines.push(l),
      });
      expect(ref).toBe(changedRef);
      expect(lines[0]).toMatch(`building ${changedRef}`);
      expect(await imageExists(docker, projectRef)).toBe(true);
      // Only that runtime's files count: the other runtime keeps its tag.
      expect(await runtimeImageRef('provided', { base: 'host', imagesDir: copy })).toBe(
        await runtimeImageRef('provided', { base: 'host' }),
      );
    } finally {
      await fsp.rm(copy, { recursive: true, force: true });
    }
  });
});
