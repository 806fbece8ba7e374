import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The repository root and the `orchestrator` command (bin/orchestrator.js runs dist/). */
export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'orchestrator.js');

let built: Promise<void> | undefined;

/**
 * Builds dist/ once per test file, so that the command line under test is the source under test
 * (a dist/ left from an older checkout would pass or fail for the wrong reasons). Type errors
 * elsewhere do not stop tsc's emit; a missing dist/ afterwards fails with tsc's output.
 */
export function buildDist(): Promise<void> {
  built ??= run('npx', ['tsc', '-p', 'tsconfig.json'], { timeoutMs: 300_000 }).then((r) => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error(`npx tsc did not build dist/:\n${r.stdout}\n${r.stderr}`);
  });
  return built;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never rejects on a non-zero exit). */
export function run(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
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

/** A TCP port free on 127.0.0.1 at the time of asking. */
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

/**
 * The environment of an AWS client (the AWS CLI, SAM CLI) pointed at the orchestrator: dummy
 * credentials, and config files under `dir` that do not exist, so the developer's own AWS
 * profile, pager or instance metadata never change what a test sees.
 */
export function awsClientEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
