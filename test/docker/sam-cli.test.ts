import { existsSync, promises as fsp } from 'node:fs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsClientEnv, buildDist, cli, ROOT, run } from '../helpers/cli';
import { UpChild } from '../helpers/up-child';
import { docker } from '../helpers/orchestrator';
import { waitFor } from '../helpers/wait';
import { lambdaClient } from '../helpers/sdk';

/**
 * SAM templates (docs/sam-templates.md) through the command line: `orchestrator up -f template.yaml` serving AWS SAM templates,
 * public ones run unchanged (test/fixtures/sam: what `sam init` writes, `sam build` output, inline
 * code) and a small one of this project's (test/fixtures/sam-cli) for Parameters,
 * `--parameter-overrides` in both of the SAM CLI's forms, Globals, a layer, FunctionName and
 * `--watch`; invoked through `orchestrator invoke` and the AWS CLI.
 */
jest.setTimeout(240_000);

const SAM = join(ROOT, 'test', 'fixtures', 'sam');
const GREETER = join(ROOT, 'test', 'fixtures', 'sam-cli');
const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws'; // Debian's awscli package

let tmp: string;
let env: NodeJS.ProcessEnv;
const ups: UpChild[] = [];

function startUp(args: string[]): UpChild {
  const up = new UpChild([...args, '--port', '0']);
  ups.push(up);
  return up;
}

/** `aws lambda invoke`: the CLI's answer and the payload it wrote. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the payload is whatever the fixture answered
async function awsInvoke(url: string, name: string, payload: unknown = {}): Promise<{ answer: Record<string, unknown>; payload: any }> {
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}.json`);
  const args = [
    'lambda',
    'invoke',
    '--function-name',
    name,
    '--cli-binary-format',
    'raw-in-base64-out',
    '--payload',
    JSON.stringify(payload),
    out,
  ];
  const r = await run(aws, [...args, '--endpoint-url', url, '--output', 'json'], { env, cwd: tmp }).catch((err: Error) => {
    throw new Error(`cannot run the AWS CLI (${aws}): install Debian's awscli package (.ci/run does). ${err.message}`);
  });
  if (r.code !== 0) throw new Error(`aws lambda invoke --function-name ${name} exited ${r.code}:\n${r.stderr}`);
  return { answer: JSON.parse(r.stdout), payload: JSON.parse(await fsp.readFile(out, 'utf8')) };
}

async function cliInvoke(url: string, name: string, payload: unknown = {}): Promise<unknown> {
  const r = await cli(['invoke', name, '--payload', JSON.stringify(payload), '--endpoint', url]);
  if (r.code !== 0) throw new Error(`orchestrator invoke ${name} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const count = (text: string, s: string) => text.split(s).length - 1;

beforeAll(async () => {
  await buildDist();
  tmp = await fsp.mkdtemp(join(tmpdir(), 'orchestrator-sam-cli-test-'));
  env = awsClientEnv(tmp);
}, 300_000);

afterAll(async () => {
  await Promise.all(ups.map((u) => u.stop()));
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
}, 60_000);

describe('public SAM templates, unchanged', () => {
  it('sam init nodejs24.x: serves HelloWorldFunction by its logical id; the Events it cannot honour reported once with file and line', async () => {
    const file = join(SAM, 'sam-init-nodejs24-hello', 'template.yaml');
    const up = startUp(['-f', file]);
    const url = await up.serving();
    expect(up.stderr).toMatch(/serving 1 function\(s\) \(HelloWorldFunction\) on /);
    const warning = `orchestrator: warning: ${file}:${lineOf(await fsp.readFile(file, 'utf8'), /^ {6}Events:/)}: Resources.HelloWorldFunction.Properties.Events: not honoured`;
    expect(count(up.stderr, warning)).toBe(1);

    expect(await cliInvoke(url, 'HelloWorldFunction')).toEqual({ statusCode: 200, body: JSON.stringify({ message: 'hello world' }) });
    const { answer, payload } = await awsInvoke(url, 'HelloWorldFunction');
    expect(answer).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(JSON.parse(payload.body)).toEqual({ message: 'hello world' });
    const sdk = lambdaClient(url);
    const viaSdk = await sdk.send(new InvokeCommand({ FunctionName: 'HelloWorldFunction', Payload: Buffer.from('{}') }));
    sdk.destroy();
    expect(viaSdk.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(viaSdk.Payload!).toString('utf8'))).toMatchObject({ statusCode: 200 });
    expect(up.stdout).toMatch(/^HelloWorldFunction \| REPORT RequestId: /m);
    expect(await up.stop()).toEqual({ code: 0, signal: null });
  });

  // (sam init python3.13 needs a python3.13 image: Debian bookworm has only 3.11, so not offline here.)
  it("sam build output (.aws-sam/build/template.yaml) and a Python function's InlineCode", async () => {
    const built = startUp(['-f', join(SAM, 'sam-init-nodejs22-hello-built', '.aws-sam', 'build', 'template.yaml')]);
    const inline = startUp(['-f', join(SAM, 'sam-cli-inline', 'template.yaml')]);
    const [builtUrl, inlineUrl] = await Promise.all([built.serving(), inline.serving()]);
    expect((await awsInvoke(builtUrl, 'HelloWorldFunction')).payload).toMatchObject({ statusCode: 200 });
    expect((await awsInvoke(inlineUrl, 'InlineCodeFunction', { hi: 1 })).payload).toEqual({ body: 'Hello World 2!', statusCode: 200 });
    expect(inline.stdout).toMatch(/^InlineCodeFunction \| .*\{'hi': 1\}/m); // print(event), in the function's log
    for (const up of [built, inline]) expect(await up.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('a template with Parameters, Globals and a layer', () => {
  const file = join(GREETER, 'template.yaml');

  it('Defaults, Globals (Runtime, Timeout, merged Environment), pseudo parameters, MemorySize; the layer at /opt', async () => {
    const up = startUp(['-f', file]);
    const url = await up.serving();
    const { payload } = await awsInvoke(url, 'GreeterFunction', { name: 'sam' });
    expect(payload).toMatchObject({ message: 'hello sam', stage: 'dev', where: 'us-east-1/000000000000', memorySize: '256' });
    const got = await run(
      aws,
      ['lambda', 'get-function', '--function-name', 'GreeterFunction', '--endpoint-url', url, '--output', 'json'],
      { env, cwd: tmp },
    );
    expect(JSON.parse(got.stdout).Configuration).toMatchObject({ Runtime: 'nodejs24.x', Timeout: 5, MemorySize: 256 });
    expect(payload.fromLayer).toBe('!');
    expect(await up.stop()).toEqual({ code: 0, signal: null });
  });

  it('--parameter-overrides Key=Value ...: the environment the function sees changes, and it answers to its FunctionName', async () => {
    const up = startUp(['-f', file, '--parameter-overrides', 'Greeting=howdy', 'Stage=prod']);
    const url = await up.serving();
    expect(up.stderr).toMatch(/serving 1 function\(s\) \(GreeterFunction \(also greeter-prod\)\) on /);
    expect((await awsInvoke(url, 'GreeterFunction', { name: 'sam' })).payload).toMatchObject({ message: 'howdy sam', stage: 'prod' });
    expect(await cliInvoke(url, 'greeter-prod', { name: 'alias' })).toMatchObject({ message: 'howdy alias', invocations: 2 });
    expect(await up.stop()).toEqual({ code: 0, signal: null });
  });

  it('--parameter-overrides in the ParameterKey=...,ParameterValue=... form, a quoted value with a space', async () => {
    const up = startUp([
      '-f',
      file,
      '--parameter-overrides',
      'ParameterKey=Greeting,ParameterValue="good day" ParameterKey=Stage,ParameterValue=prod',
    ]);
    const url = await up.serving();
    expect((await awsInvoke(url, 'GreeterFunction')).payload).toMatchObject({ message: 'good day world', stage: 'prod' });
    expect(await up.stop()).toEqual({ code: 0, signal: null });
  });

  it('an override outside AllowedValues: `up` names the file, line and parameter, starts nothing and exits 1', async () => {
    const up = startUp(['-f', file, '--parameter-overrides', 'Stage=qa']);
    const exit = await up.exited;
    expect(exit.code).toBe(1);
    expect(up.stderr).toMatch(new RegExp(`${file}:\\d+: Parameters\\.Stage: .*qa.*AllowedValues`));
    expect(await docker.listContainers({ all: true, filters: { label: [`orchestrator.owner.pid=${up.pid}`] } })).toEqual([]);
  });
});

describe('up --watch follows the template', () => {
  it('a changed Parameter Default reaches new invocations, a changed layer file starts new contexts; the warnings are not repeated', async () => {
    const dir = join(tmp, 'greeter');
    await fsp.cp(GREETER, dir, { recursive: true });
    const file = join(dir, 'template.yaml');
    const up = startUp(['-f', file, '--watch']);
    const url = await up.serving();
    await waitFor('watching', () => /watching .* for changes/.test(up.stderr), 30_000);
    expect((await awsInvoke(url, 'GreeterFunction')).payload).toMatchObject({ message: 'hello world' });

    const template = await fsp.readFile(file, 'utf8');
    await fsp.writeFile(file, template.replace('Default: hello', 'Default: hi'));
    await waitFor('the reload', () => /updated GreeterFunction/.test(up.stderr), 60_000);
    expect((await awsInvoke(url, 'GreeterFunction')).payload).toMatchObject({ message: 'hi world', invocations: 1 });

    await fsp.writeFile(join(dir, 'shared-layer', 'nodejs', 'suffix.js'), "exports.suffix = '?';\n");
    await waitFor('the layer reload', () => /updated GreeterFunction \(code\)/.test(up.stderr), 60_000);
    expect((await awsInvoke(url, 'GreeterFunction')).payload).toMatchObject({ message: 'hi world', invocations: 1 }); // a new context
    expect(count(up.stderr, 'Properties.Events: not honoured')).toBe(1);
    expect(await up.stop()).toEqual({ code: 0, signal: null });
  });
});

function lineOf(text: string, re: RegExp): number {
  const i = text.split('\n').findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`${re} not found`);
  return i + 1;
}
