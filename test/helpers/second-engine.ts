/**
 * A second Docker engine on this machine, for tests that show the orchestrator works against any
 * engine: its own data root, exec root (and so its own containerd), pid file, cgroup parent and
 * bridge (br-orch2, 10.99.0.1/24, made here with `ip`), listening on tcp://127.0.0.1:<free port>
 * and on its own unix socket. No iptables rules, no masquerading, no ip_forward change: the main
 * engine's rules are left alone, and containers only need to reach this host's bridge address.
 *
 * Needs root, dockerd and ip (iproute2). A run that dies without stopping it leaves a marker file;
 * the next start stops that engine and removes what it left first.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, promises as fsp, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { processAlive } from '../../src/process-alive';
import { freePort } from './cli';
import { sleep } from './wait';

export const BRIDGE = 'br-orch2';
export const GATEWAY = '10.99.0.1';
const CIDR = `${GATEWAY}/24`;
export const CGROUP_PARENT = 'orchestrator-second-engine';
const MARKER = join(tmpdir(), 'orchestrator-second-engine.json');

export interface SecondEngine {
  /** tcp://127.0.0.1:<port> */
  tcpHost: string;
  /** unix://<dir>/docker.sock */
  unixHost: string;
  /** A client of this engine (over tcp). */
  docker: Docker;
  dir: string;
  /** Milliseconds from spawning dockerd to its first answer. */
  startMs: number;
  logTail(lines?: number): string;
  /** Removes its containers, stops it, and removes its folders, bridge and cgroups; never throws. */
  stop(): Promise<string[]>;
}

/** Who runs the second engine (one at a time on a machine): the test process, dockerd, its folder. */
interface Marker {
  owner: number;
  pid: number;
  dir: string;
}

const OTHER_RUN_WAIT_MS = 180_000;

export async function startSecondEngine(timeoutMs = 30_000): Promise<SecondEngine> {
  if (process.getuid?.() !== 0) throw new Error('a second Docker engine needs root');
  const dockerd = which('dockerd', 'docker.io');
  which('ip', 'iproute2');
  await cleanUpStale();

  const dir = await fsp.mkdtemp(join(tmpdir(), 'orch2-'));
  await fsp.writeFile(MARKER, JSON.stringify({ owner: process.pid, pid: 0, dir } satisfies Marker));
  const logFile = join(dir, 'dockerd.log');
  const port = await freePort();
  const sock = join(dir, 'docker.sock');
  let child: ChildProcess | undefined;
  const engine: SecondEngine = {
    tcpHost: `tcp://127.0.0.1:${port}`,
    unixHost: `unix://${sock}`,
    docker: new Docker({ host: '127.0.0.1', port, protocol: 'http' }),
    dir,
    startMs: 0,
    logTail: (n = 30) => tail(logFile, n),
    stop: () => stopEngine(child, dir),
  };
  try {
    ip('link', 'add', 'name', BRIDGE, 'type', 'bridge');
    ip('addr', 'add', CIDR, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');

    const out = openSync(logFile, 'a');
    const started = Date.now();
    child = spawn(
      dockerd,
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '-H',
        engine.unixHost,
        '-H',
        engine.tcpHost,
        '--bridge',
        BRIDGE,
        '--iptables=false',
        '--ip-masq=false',
        '--ip-forward=false',
        '--cgroup-parent',
        `/${CGROUP_PARENT}`,
        '--shutdown-timeout',
        '2',
      ],
      { stdio: ['ignore', out, out] },
    );
    closeSync(out);
    await fsp.writeFile(MARKER, JSON.stringify({ owner: process.pid, pid: child.pid ?? 0, dir } satisfies Marker));
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `dockerd exited (${signal ?? code})`));
    for (;;) {
      if (exited) throw new Error(exited);
      if (Date.now() - started > timeoutMs) throw new Error(`dockerd did not answer on ${engine.tcpHost} within ${timeoutMs} ms`);
      if (
        await engine.docker.version().then(
          () => true,
          () => false,
        )
      )
        break;
      await sleep(100);
    }
    engine.startMs = Date.now() - started;
    return engine;
  } catch (err) {
    const log = tail(logFile, 30);
    const cleanup = await stopEngine(child, dir);
    throw new Error(
      `the second Docker engine could not start: ${(err as Error).message}\n--- dockerd log ---\n${log}` +
        (cleanup.length > 0 ? `\n--- cleanup ---\n${cleanup.join('\n')}` : ''),
    );
  }
}

/** Best effort, step by step; returns what went wrong. */
async function stopEngine(child: ChildProcess | undefined, dir: string): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, step: () => unknown) => {
    try {
      await step();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  if (child && child.exitCode === null && child.signalCode === null) {
    const docker = dockerOverSocket(dir);
    await attempt('remove its containers', async () => {
      const list = await docker.listContainers({ all: true });
      await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    });
    await attempt('stop dockerd', () => stopProcess(child.pid!, 20_000));
  }
  await attempt('stop its containerd', () => {
    const pidFile = join(dir, 'exec', 'containerd', 'containerd.pid');
    if (existsSync(pidFile)) return stopProcess(Number(readFileSync(pidFile, 'utf8').trim()), 10_000);
  });
  await attempt('unmount what it left mounted', () => unmountUnder(dir));
  await attempt('remove its folder', () => fsp.rm(dir, { recursive: true, force: true }));
  await attempt(`remove the bridge ${BRIDGE}`, () => {
    if (existsSync(`/sys/class/net/${BRIDGE}`)) ip('link', 'del', BRIDGE);
  });
  await attempt('remove its cgroups', () => removeCgroups());
  await attempt('remove the marker', () => fsp.rm(MARKER, { force: true }));
  return problems;
}

/** Waits for another run's engine to go; stops one that a dead run left behind (its marker file). */
async function cleanUpStale(): Promise<void> {
  const waitUntil = Date.now() + OTHER_RUN_WAIT_MS;
  while (existsSync(MARKER)) {
    let m: Marker;
    try {
      m = JSON.parse(readFileSync(MARKER, 'utf8')) as Marker;
    } catch {
      await fsp.rm(MARKER, { force: true }); // unreadable: a run that died while writing it
      break;
    }
    if (m.owner !== process.pid && processAlive(m.owner)) {
      if (Date.now() > waitUntil) {
        throw new Error(`another test process (pid ${m.owner}) has been running the second engine for over ${OTHER_RUN_WAIT_MS / 1000} s`);
      }
      await sleep(500);
      continue;
    }
    if (isDockerd(m.pid)) await stopProcess(m.pid, 20_000);
    const problems = await stopEngine(undefined, m.dir);
    if (problems.length > 0) throw new Error(`cannot clean up the second engine a previous run left: ${problems.join('; ')}`);
  }
  if (existsSync(`/sys/class/net/${BRIDGE}`)) ip('link', 'del', BRIDGE);
  const route = execFileSync(which('ip', 'iproute2'), ['-4', 'route', 'show', 'to', 'match', GATEWAY], { encoding: 'utf8' });
  const clash = route.split('\n').find((l) => l.trim() !== '' && !l.startsWith('default'));
  if (clash) throw new Error(`${GATEWAY} is already routed on this machine (${clash.trim()}): the second engine's bridge would clash`);
}

function dockerOverSocket(dir: string): Docker {
  return new Docker({ socketPath: join(dir, 'docker.sock') });
}

function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
  } catch {
    return false;
  }
}

async function stopProcess(pid: number, graceMs: number): Promise<void> {
  const alive = () => processAlive(pid);
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
  while (alive() && Date.now() < deadline + 5000) await sleep(100);
}

function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)));
  for (const p of mounts.reverse()) execFileSync(which('umount', 'mount'), ['-l', p]);
}

function removeCgroups(): void {
  const dirs = [join('/sys/fs/cgroup', CGROUP_PARENT)]; // v2
  for (const controller of readdirSync('/sys/fs/cgroup')) dirs.push(join('/sys/fs/cgroup', controller, CGROUP_PARENT)); // v1
  for (const d of dirs) if (existsSync(d)) rmdirSync(d); // cpu and cpu,cpuacct may be one: checked again
}

function ip(...args: string[]): void {
  execFileSync(which('ip', 'iproute2'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The tool's absolute path: PATH, then the sbin folders a non-login root shell may lack. */
function which(tool: string, debianPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  const found = dirs
    .filter((d) => d !== '')
    .map((d) => join(d, tool))
    .find((p) => existsSync(p));
  if (!found) throw new Error(`a second Docker engine needs \`${tool}\` (Debian package ${debianPackage})`);
  return found;
}

function tail(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(-n - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}
