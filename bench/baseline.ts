/**
 * The floors and baselines, with no orchestrator: raw containers of the same runtime image,
 * created from the same container spec as an execution context (same memory and CPU limits,
 * user, mounts, network), only with another entrypoint. Every container made here carries
 * `orchestrator.bench=1` and this run's id, and `removeAll` removes them (and only them).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import execa from 'execa';
import type { FunctionConfig } from '../src/config/types';
import { contextContainerSpec, cpuNanos, MB_PER_VCPU } from '../src/engine/context-spec';
import type { RuntimeApiAddress } from '../src/engine/host-address';
import { keepAliveAgent, request } from './http-client';

export const BENCH_LABEL = 'orchestrator.bench';
export const BENCH_RUN_LABEL = 'orchestrator.bench.run';
/** host:pid of the bench process that made the container, so a later run can remove what a killed one left. */
export const BENCH_OWNER_LABEL = 'orchestrator.bench.owner';
const SERVER_PORT = 8080;

/** A running raw container with a tiny Node.js HTTP server (bench/fixtures/noop/raw-server.js). */
export class RawServer {
  readonly agent = keepAliveAgent();
  constructor(
    readonly container: Docker.Container,
    readonly ip: string,
  ) {}

  get url(): string {
    return `http://${this.ip}:${SERVER_PORT}/`;
  }

  /** One HTTP round trip on the kept-alive connection. */
  async roundTrip(): Promise<void> {
    const r = await request(this.url, { method: 'POST', body: '{}', agent: this.agent });
    if (r.status !== 200) throw new Error(`raw server answered ${r.status}`);
  }

  pause(): Promise<void> {
    return this.container.pause();
  }

  unpause(): Promise<void> {
    return this.container.unpause();
  }
}

export class Baselines {
  private readonly created = new Set<string>();
  private readonly ready = new Map<string, (ip: string) => void>();
  private tokens = 0;

  private constructor(
    private readonly docker: Docker,
    private readonly image: string,
    private readonly fn: FunctionConfig,
    readonly runId: string,
    private readonly listener: http.Server,
    private readonly readyBase: string,
  ) {}

  /** Listens where containers reach this host (the orchestrator's own Runtime API address). */
  static async create(docker: Docker, image: string, fn: FunctionConfig, runId: string, address: RuntimeApiAddress): Promise<Baselines> {
    let self: Baselines | undefined;
    const server = http.createServer((req, res) => {
      req.resume();
      const token = (req.url ?? '').replace(/^\/ready\//, '');
      const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      res.end('ok');
      self?.ready.get(token)?.(ip);
    });
    server.keepAliveTimeout = 1;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address.bind, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    self = new Baselines(docker, image, fn, runId, server, `http://${address.advertise}:${port}/ready/`);
    return self;
  }

  get labels(): Record<string, string> {
    return { [BENCH_LABEL]: '1', [BENCH_RUN_LABEL]: this.runId, [BENCH_OWNER_LABEL]: `${hostname()}:${process.pid}` };
  }

  /** Removes bench containers whose bench process (on this host) is gone: a run killed with SIGKILL. */
  static async removeStale(docker: Docker): Promise<number> {
    const list = await docker.listContainers({ all: true, filters: { label: [BENCH_OWNER_LABEL] } });
    const stale = list.filter((c) => {
      const [host, pid] = (c.Labels[BENCH_OWNER_LABEL] ?? '').split(':');
      return host === hostname() && Number(pid) > 0 && !isAlive(Number(pid));
    });
    await Promise.allSettled(stale.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    return stale.length;
  }

  /** The execution context's container spec (limits included) with another program to run. */
  spec(cpuLimit: boolean, cmd: string[], env: Record<string, string> = {}): Docker.ContainerCreateOptions {
    const spec = contextContainerSpec({ fn: this.fn, image: this.image, labels: this.labels, lambdaEnv: env, network: null });
    const NanoCpus = cpuNanos(this.fn.memorySize, 64, cpuLimit);
    return { ...spec, Entrypoint: ['node'], Cmd: cmd, HostConfig: { ...spec.HostConfig, NanoCpus } };
  }

  /**
   * Raw create + start until the server in it answers HTTP: the container's process calls us
   * once it listens (no polling, no inspect), then we send one request to it.
   */
  async startServer(cpuLimit: boolean): Promise<{ server: RawServer; ms: number; createMs: number; startToReadyMs: number }> {
    const token = `${this.runId}-${++this.tokens}`;
    const readyIp = new Promise<string>((resolve) => this.ready.set(token, resolve));
    const start = process.hrtime.bigint();
    const container = await this.docker.createContainer(
      this.spec(cpuLimit, ['/var/task/raw-server.js'], { READY_URL: this.readyBase + token }),
    );
    this.created.add(container.id);
    const createMs = Number(process.hrtime.bigint() - start) / 1e6;
    let ip: string;
    try {
      await container.start();
      ip = await withTimeout(readyIp, 60_000, 'the raw container never said it was ready');
    } finally {
      this.ready.delete(token);
    }
    const startToReadyMs = Number(process.hrtime.bigint() - start) / 1e6 - createMs;
    const server = new RawServer(container, ip);
    await server.roundTrip();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { server, ms, createMs, startToReadyMs };
  }

  /**
   * `docker run --rm` through the Engine API, as the CLI does it: create, attach, start, wait
   * for the exit, remove; the handler runs once (bench/fixtures/noop/once.js) and prints its result.
   */
  async runOnceApi(cpuLimit: boolean): Promise<string> {
    const spec = this.spec(cpuLimit, ['/var/task/once.js', '{}']);
    const container = await this.docker.createContainer(spec);
    this.created.add(container.id);
    try {
      const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      this.docker.modem.demuxStream(stream, out, new PassThrough().resume());
      const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
      await container.start();
      const exit = (await container.wait()) as { StatusCode: number };
      await ended;
      const text = Buffer.concat(chunks).toString('utf8');
      if (exit.StatusCode !== 0 || !text.includes('"ok":true')) throw new Error(`run once: exit ${exit.StatusCode}, output ${text}`);
      return text;
    } finally {
      await this.remove(container);
    }
  }

  /** The same with the docker CLI itself: `docker run --rm` (what users type). */
  async runOnceCli(cpuLimit: boolean): Promise<string> {
    const mb = this.fn.memorySize;
    const args = [
      'run',
      '--rm',
      ...Object.entries(this.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      '--memory',
      `${mb}m`,
      '--memory-swap',
      `${mb}m`,
      ...(cpuLimit ? ['--cpus', (mb / MB_PER_VCPU).toFixed(3)] : []),
      '--read-only',
      '--tmpfs',
      `/tmp:rw,nosuid,nodev,size=${this.fn.ephemeralStorageSize}m,mode=1777`,
      '--user',
      '993:990',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--log-driver',
      'none',
      '-v',
      `${this.fn.codeDir}:/var/task:ro`,
      '--workdir',
      '/var/task',
      '--entrypoint',
      'node',
      this.image,
      '/var/task/once.js',
      '{}',
    ];
    const r = await execa('docker', args, { reject: false });
    if (r.exitCode !== 0 || !r.stdout.includes('"ok":true'))
      throw new Error(`docker run --rm: exit ${r.exitCode}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  async remove(c: Docker.Container): Promise<void> {
    await c.remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
    });
    this.created.delete(c.id);
  }

  /** Removes every container of this run (the ones tracked, and any carrying this run's label). */
  async removeAll(): Promise<number> {
    const listed = await this.docker.listContainers({ all: true, filters: { label: [`${BENCH_RUN_LABEL}=${this.runId}`] } });
    const ids = new Set([...this.created, ...listed.map((c) => c.Id)]);
    await Promise.allSettled([...ids].map((id) => this.remove(this.docker.getContainer(id))));
    return ids.size;
  }

  async close(): Promise<void> {
    this.listener.closeAllConnections();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(what)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
