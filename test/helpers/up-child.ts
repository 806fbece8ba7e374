import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './cli';
import { docker } from './orchestrator';
import { waitFor } from './wait';

export interface UpExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `orchestrator up` child process (run buildDist() first), with everything it printed so far. */
export class UpChild {
  stdout = '';
  stderr = '';
  readonly exited: Promise<UpExit>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, [BIN, 'up', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString('utf8')));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    this.exited = new Promise((r) => this.child.on('exit', (code, signal) => r({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for "serving ... on <url>" and returns the url; fails with its output if it exits first or stalls. */
  async serving(timeoutMs = 120_000): Promise<string> {
    const served = () => /serving \d+ function\(s\) .* on (http:\/\/\S+)/.exec(this.stderr)?.[1];
    await waitFor(
      () => `orchestrator up to serve:\n${this.stderr}\n${this.stdout}`,
      () => served() !== undefined || !this.running,
      timeoutMs,
    );
    const url = served();
    if (url === undefined) throw new Error(`orchestrator up exited before serving:\n${this.stderr}\n${this.stdout}`);
    return url;
  }

  /** Waits until its stderr matches `re`. */
  async printed(re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    await waitFor(
      () => `orchestrator up to print ${re}:\n${this.stderr}`,
      () => re.test(this.stderr),
      timeoutMs,
    );
    return re.exec(this.stderr)!;
  }

  /** Sends `signal` (unless it has exited) and waits for the exit; SIGKILL after `timeoutMs`. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<UpExit> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM (Ctrl-C's orderly shutdown), then its exit. */
  stop(timeoutMs = 30_000): Promise<UpExit> {
    return this.kill('SIGTERM', timeoutMs);
  }
}

/** Containers made by the `up` process `pid` (its owner label), paused ones included. */
export function containersOfPid(pid: number) {
  return docker.listContainers({ all: true, filters: { label: [`orchestrator.owner.pid=${pid}`] } });
}
