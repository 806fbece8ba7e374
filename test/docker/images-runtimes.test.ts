/**
 * Every runtime image that can be built offline (`host` base), run directly with dockerode against
 * a one-event Runtime API served from this process: the language version matches the runtime,
 * the bundled AWS SDK (Node.js) and boto3 (Python) load from a function in /var/task, the
 * entrypoint works with PATH=/nonexistent, and Lambda's environment is in place.
 */
import { promises as fsp } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import { ensureRuntimeImage } from '../../src/images/images';
import { NODE_VERSIONS, nodeMajor } from '../../src/images/node-dist';
import { SDK_PACKAGES } from '../../src/images/sdk-bundle';
import { waitFor } from '../helpers/wait';

const docker = new Dockerode();
const LABELS = { 'orchestrator.test': 'images-runtimes' };
const NODE_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;
const OFFLINE = [...NODE_RUNTIMES, 'python3.11', 'provided', 'provided.al2023'] as const;

jest.setTimeout(120_000);

const images: Record<string, string> = {};
const containers: Dockerode.Container[] = [];
let gateway = '';
let tmp = '';

/** Serve one event to GET /next; resolve with what the runtime posts (response, error or init error). */
async function oneInvocation(
  event: unknown,
): Promise<{ endpoint: string; outcome: Promise<{ path: string; body: string }>; close: () => void }> {
  let done!: (v: { path: string; body: string }) => void;
  const outcome = new Promise<{ path: string; body: string }>((r) => (done = r));
  let served = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
        if (served) return; // held: the test is over
        served = true;
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Lambda-Runtime-Aws-Request-Id': 'req-1',
          'Lambda-Runtime-Deadline-Ms': String(Date.now() + 60_000),
          'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:fixture',
          'Lambda-Runtime-Trace-Id': 'Root=1-00000000-000000000000000000000001',
        });
        res.end(JSON.stringify(event));
        return;
      }
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"status":"OK"}');
      done({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
    });
  });
  await new Promise<void>((r) => server.listen(0, gateway, () => r()));
  const { port } = server.address() as { port: number };
  return { endpoint: `${gateway}:${port}`, outcome, close: () => server.close() && server.closeAllConnections() };
}

/** Run `image` with the function code `codeDir` at /var/task, as the orchestrator does (read-only, 993:990). */
async function invokeOnce(
  runtime: string,
  codeDir: string,
  handler: string,
  env: Record<string, string> = {},
): Promise<{ result: Record<string, unknown>; output: () => string }> {
  const api = await oneInvocation({});
  const container = await docker.createContainer({
    Image: images[runtime],
    Labels: LABELS,
    User: '993:990',
    Env: Object.entries({
      AWS_LAMBDA_RUNTIME_API: api.endpoint,
      _HANDLER: handler,
      AWS_LAMBDA_FUNCTION_NAME: 'fixture',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_REGION: 'us-east-1',
      PATH: '/nonexistent', // the entrypoint is an absolute path: a function's PATH cannot break it
      ...env,
    }).map(([k, v]) => `${k}=${v}`),
    HostConfig: {
      Binds: [`${codeDir}:/var/task:ro`],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,size=64m' },
      NetworkMode: 'bridge',
    },
  });
  containers.push(container);
  let out = '';
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  docker.modem.demuxStream(stream, sink, sink);
  await container.start();
  let timer: NodeJS.Timeout | undefined;
  try {
    const posted = await Promise.race([
      api.outcome,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result from ${runtime} in 60 s; output:\n${out}`)), 60_000);
      }),
    ]);
    if (!posted.path.endsWith('/response')) throw new Error(`${runtime} posted to ${posted.path}: ${posted.body}\noutput:\n${out}`);
    return { result: JSON.parse(posted.body), output: () => out };
  } finally {
    clearTimeout(timer);
    api.close();
  }
}

async function write(dir: string, files: Record<string, string>): Promise<string> {
  for (const [rel, content] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), content);
  }
  await fsp.chmod(dir, 0o755);
  return dir;
}

const CLIENTS = `
const clients = {
  s3: ['@aws-sdk/client-s3', 'S3Client'], dynamodb: ['@aws-sdk/client-dynamodb', 'DynamoDBClient'],
  sqs: ['@aws-sdk/client-sqs', 'SQSClient'], sns: ['@aws-sdk/client-sns', 'SNSClient'],
  lambda: ['@aws-sdk/client-lambda', 'LambdaClient'], secrets: ['@aws-sdk/client-secrets-manager', 'SecretsManagerClient'],
  ssm: ['@aws-sdk/client-ssm', 'SSMClient'], sts: ['@aws-sdk/client-sts', 'STSClient'],
  eventbridge: ['@aws-sdk/client-eventbridge', 'EventBridgeClient'], kinesis: ['@aws-sdk/client-kinesis', 'KinesisClient'],
  kms: ['@aws-sdk/client-kms', 'KMSClient'],
};`;

beforeAll(async () => {
  const bridge = await docker.getNetwork('bridge').inspect();
  gateway = bridge?.IPAM?.Config?.[0]?.Gateway ?? '172.17.0.1';
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'images-runtimes-'));
  await fsp.chmod(tmp, 0o755);
  for (const runtime of OFFLINE) {
    const t = Date.now();
    images[runtime] = await ensureRuntimeImage(docker, runtime, { base: 'host' });
    const info = await docker.getImage(images[runtime]).inspect();

    console.log(`${runtime}: ${images[runtime]} ready in ${Date.now() - t} ms, ${(info.Size / 1e6).toFixed(0)} MB`);
  }
}, 1_200_000);

afterAll(async () => {
  await Promise.all(containers.map((c) => c.remove({ force: true }).catch(() => undefined)));
  if (tmp !== '') await fsp.rm(tmp, { recursive: true, force: true });
}, 60_000);

describe.each(NODE_RUNTIMES)('%s', (runtime) => {
  test('its Node.js major, Lambda env, the bundled SDK by require and by import (.mjs), PATH=/nonexistent', async () => {
    const code = await write(path.join(tmp, `${runtime}-sdk`), {
      'index.mjs': `
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromEnv } from '@aws-sdk/credential-providers';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${CLIENTS}
export const handler = async () => {
  const s3 = new S3Client({ region: 'us-east-1', credentials: fromEnv() });
  const cmd = new ListBucketsCommand({});
  const constructed = Object.entries(clients).map(([k, [pkg, name]]) => { new (require(pkg)[name])({ region: 'us-east-1' }); return k; });
  const ddb = require('@aws-sdk/client-dynamodb');
  DynamoDBDocumentClient.from(new ddb.DynamoDBClient({ region: 'us-east-1' }));
  return {
    version: process.version, execPath: process.execPath,
    region: await s3.config.region(), command: cmd.constructor.name,
    sameModule: require('@aws-sdk/client-s3').S3Client === S3Client,
    resolved: require.resolve('@aws-sdk/client-s3'), constructed,
    env: Object.fromEntries(['PATH', 'NODE_PATH', 'LD_LIBRARY_PATH', 'AWS_XRAY_CONTEXT_MISSING', 'AWS_XRAY_DAEMON_ADDRESS', 'LAMBDA_RUNTIME_DIR'].map((k) => [k, process.env[k]])),
  };
};`,
    });
    const { result } = await invokeOnce(runtime, code, 'index.handler');
    expect(String(result.version)).toMatch(new RegExp(`^v${nodeMajor(runtime)}\\.`));
    if (process.versions.node.split('.')[0] !== String(nodeMajor(runtime))) expect(result.version).toBe(`v${NODE_VERSIONS[runtime]}`);
    expect(result.execPath).toBe('/var/lang/bin/node');
    expect(result).toMatchObject({ region: 'us-east-1', command: 'ListBucketsCommand', sameModule: true });
    expect(result.resolved).toBe('/var/runtime/node_modules/@aws-sdk/client-s3/dist-cjs/index.js');
    expect(result.constructed).toHaveLength(11);
    expect(result.env).toEqual({
      PATH: '/nonexistent',
      NODE_PATH: `/opt/nodejs/node${nodeMajor(runtime)}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task`,
      LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
      LAMBDA_RUNTIME_DIR: '/var/runtime',
    });
  });

  test("a function's own bundled copy of a client wins, for require and for import", async () => {
    const code = await write(path.join(tmp, `${runtime}-own`), {
      'node_modules/@aws-sdk/client-s3/package.json': '{"name":"@aws-sdk/client-s3","version":"0.0.0-own","main":"index.js"}',
      'node_modules/@aws-sdk/client-s3/index.js': 'exports.S3Client = class OwnS3Client {};',
      'index.mjs': `
import { S3Client } from '@aws-sdk/client-s3';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
export const handler = async () => ({ imported: S3Client.name, required: require('@aws-sdk/client-s3').S3Client.name });`,
    });
    const { result } = await invokeOnce(runtime, code, 'index.handler');
    expect(result).toEqual({ imported: 'OwnS3Client', required: 'OwnS3Client' });
  });
});

test('the bundle holds the clients the README lists', () => {
  expect(SDK_PACKAGES).toEqual(expect.arrayContaining(['@aws-sdk/client-s3', '@aws-sdk/lib-dynamodb', '@aws-sdk/credential-providers']));
});

describe('python3.11', () => {
  test('its Python major.minor, boto3 from the image, a UTF-8 stdout, PATH=/nonexistent', async () => {
    const code = await write(path.join(tmp, 'python-boto'), {
      'app.py': `
import sys, boto3, botocore
def handler(event, context):
    s3 = boto3.client('s3', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='y')
    print('caf\\u00e9 \\u2713')
    return {'version': sys.version, 'executable': sys.executable, 'boto3': boto3.__version__,
            'boto3_file': boto3.__file__, 'client': type(s3).__name__, 'encoding': sys.stdout.encoding}
`,
    });
    const { result, output } = await invokeOnce('python3.11', code, 'app.handler');
    expect(String(result.version)).toMatch(/^3\.11\./);
    // The image's own entrypoint names python3 (a link to python3.11); the orchestrator starts /var/lang/bin/python3.11.
    expect(result).toMatchObject({ executable: '/var/lang/bin/python3', client: 'S3', encoding: 'utf-8' });
    expect(result.boto3_file).toBe('/var/lang/lib/python3.11/site-packages/boto3/__init__.py');
    // The container's output comes through docker attach, which may trail the posted result.
    await waitFor("the function's output through docker attach", () => output().includes('caf\u00e9 \u2713')).catch(() => undefined);
    expect(output()).toContain('caf\u00e9 \u2713');
  });

  test.each(['python3.12', 'python3.13'])('%s cannot be built offline here: a clear error naming the setting', async (runtime) => {
    if (
      await fsp.access(`/usr/bin/${runtime}`).then(
        () => true,
        () => false,
      )
    )
      return; // a host that has it builds it
    await expect(ensureRuntimeImage(docker, runtime as 'python3.12', { base: 'host' })).rejects.toThrow(
      new RegExp(
        `settings\\.baseImages\\.${runtime.replace('.', '\\.')} to a public image, e\\.g\\. public\\.ecr\\.aws/lambda/python:3\\.1[23]`,
      ),
    );
  });
});

describe('provided and provided.al2023', () => {
  test('one recipe: the same entrypoint and environment', async () => {
    const [a, b] = await Promise.all(['provided', 'provided.al2023'].map((rt) => docker.getImage(images[rt]).inspect()));
    expect(b.Config.Entrypoint).toEqual(['/var/task/bootstrap']);
    expect(b.Config.Entrypoint).toEqual(a.Config.Entrypoint);
    expect(b.Config.Env).toEqual(a.Config.Env);
    expect(b.Config.Labels).toMatchObject({ 'orchestrator.image': 'provided.al2023' });
  });
});
