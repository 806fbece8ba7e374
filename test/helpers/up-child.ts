import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import execa from 'execa';
import { docker } from './orchestrator';

/** Helpers of the issue-4 tests that run the real command line (`node bin/orchestrator.js`). */
export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'orchestrator.js');

/** Builds dist/ (bin/orchestrator.js runs it); type errors elsewhere do not stop the emit. */
export async function buildDist(): Promise<void> {
  const r = await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, reject: false });
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error(`npx tsc did not build dist/:\n${r.stdout}\n${r.stderr}`);
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** A running `orchestrator up` child process, with what it printed. */
export class UpChild {
  stderr = '';
  stdout = '';
  readonly child: execa.ExecaChildProcess;
  readonly done: Promise<execa.ExecaReturnValue>;

  constructor(args: string[]) {
    this.child = execa(process.execPath, [BIN, 'up', ...args], { cwd: ROOT, reject: false });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString('utf8')));
    this.done = this.child;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for "serving ... on <url>"; fails with the output if it exits first or stalls. */
  async serving(timeoutMs = 120_000): Promise<string> {
    let exited = false;
    void this.done.then(() => (exited = true));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /serving \d+ function\(s\) .* on (http:\/\/\S+)/.exec(this.stderr);
      if (m) return m[1];
      if (exited || Date.now() > deadline) throw new Error(`orchestrator up ${exited ? 'exited' : 'stalled'}:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until its stderr matches `re`. */
  async printed(re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.stderr);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`orchestrator up never printed ${re}:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). */
  async kill(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<execa.ExecaReturnValue> {
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Containers made by the `up` process `pid` (its owner label), paused ones included. */
export function containersOfPid(pid: number) {
  return docker.listContainers({ all: true, filters: { label: [`orchestrator.owner.pid=${pid}`] } });
}
