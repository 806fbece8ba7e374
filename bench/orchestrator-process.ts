import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fixturesDir } from './paths';

export interface OrchestratorUsage {
  /** user + system CPU of the orchestrator process so far, µs. */
  cpuUs: number;
  rss: number;
  /** When it was read, ms (monotonic clock of the child). */
  at: number;
}

/** Durations (ms) timed inside the orchestrator process, oldest first. */
export interface Pieces {
  unpause: number[];
  pause: number[];
  deliver: number[];
  invoke: number[];
  containerRun: number[];
  /** docker update setting the function's CPU quota once its init is over (on the cold path). */
  limitCpu: number[];
  init: number[];
  /** Engine calls that failed (`method: message`), e.g. a pause that failed and so ended its context. */
  failures: string[];
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** The orchestrator under test, in a child process (bench/orchestrator-host.ts). */
export class OrchestratorProcess {
  /** Every orchestrator instance started, so the bench can check nothing of theirs is left. */
  readonly instanceIds: string[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`orchestrator process: ${m.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`orchestrator process exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  static async spawn(): Promise<OrchestratorProcess> {
    const child = fork(path.join(__dirname, 'orchestrator-host.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`orchestrator process exited at start (${code})`)));
    });
    return new OrchestratorProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts an orchestrator (stopping the previous one) over functions whose `code` is under bench/fixtures. */
  async start(functions: Record<string, Record<string, unknown>>, settings: Record<string, unknown> = {}): Promise<string> {
    const config = { settings, functions };
    const r = (await this.call({ cmd: 'start', config, baseDir: fixturesDir() })) as { url: string; instanceId: string };
    this.instanceIds.push(r.instanceId);
    return r.url;
  }

  /** Stops the current orchestrator (removing its containers); resolves with how long stop() took, ms. */
  async stop(): Promise<number> {
    return ((await this.call({ cmd: 'stop' })) as { stopMs: number }).stopMs;
  }

  /** A trivial HTTP server in the orchestrator's process (the CPU floor of one request); its base URL. */
  async echoStart(): Promise<string> {
    return ((await this.call({ cmd: 'echo-start' })) as { url: string }).url;
  }

  async echoStop(): Promise<void> {
    await this.call({ cmd: 'echo-stop' });
  }

  usage(): Promise<OrchestratorUsage> {
    return this.call({ cmd: 'usage' }) as Promise<OrchestratorUsage>;
  }

  contexts(): Promise<Array<{ id: string; state: string; containerId: string | null }>> {
    return this.call({ cmd: 'contexts' }) as Promise<Array<{ id: string; state: string; containerId: string | null }>>;
  }

  /** Cold and warm starts per function since the orchestrator started. */
  stats(): Promise<Record<string, { coldStarts: number; warmStarts: number }>> {
    return this.call({ cmd: 'stats' }) as Promise<Record<string, { coldStarts: number; warmStarts: number }>>;
  }

  /** The warm path's pieces timed inside the orchestrator process since the last call (ms each). */
  pieces(): Promise<Pieces> {
    return this.call({ cmd: 'pieces' }) as Promise<Pieces>;
  }

  /** Stops the orchestrator and ends the process (SIGKILL if it does not end within 60 s). */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await this.stop();
    } finally {
      if (this.child.connected) this.child.disconnect();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
      await gone;
      clearTimeout(timer);
    }
  }

  private call(msg: Record<string, unknown>): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('orchestrator process is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, ...msg });
    });
  }
}
