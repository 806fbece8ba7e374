import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root and the `orchestrator` command (bin/orchestrator.js runs dist/). */
export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'orchestrator.js');

/** Fails with what to do when dist/ has not been built (npm ci builds it through `prepare`). */
export function requireBuiltCli(): void {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` before the CLI tests (npm ci runs it through `prepare`)');
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never rejects on a non-zero exit). */
export function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd ?? ROOT, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = (err as (Error & { code?: unknown }) | null)?.code;
        if (err && typeof code !== 'number') return reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
        resolvePromise({ code: typeof code === 'number' ? code : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** `node bin/orchestrator.js ...args` */
export function cli(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(process.execPath, [BIN, ...args], { env });
}

/** A running `orchestrator up`, with everything it printed so far. */
export class UpProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
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

  /** Waits for "serving ... on <url>" and returns the url; fails with its output if it exits or stalls. */
  async serving(timeoutMs = 120_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    for (;;) {
      const m = /serving \d+ function\(s\) .* on (http:\/\/\S+)/.exec(this.stderr);
      if (m) return m[1];
      if (gone || Date.now() > deadline) {
        throw new Error(`orchestrator up ${gone ? 'exited' : 'did not serve in time'}:\n${this.stderr}\n${this.stdout}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM, then its exit. */
  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
