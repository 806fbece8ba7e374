import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { isGoneOrConflict } from '../engine/client';
import { asEngineError } from '../engine/engine-errors';
import { thawIfFrozen, writeCpuQuota } from '../engine/cgroup-control';
import type { ThawOutcome } from './freezer';

export interface ContainerIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Called right before the container starts: where Lambda's Init Duration begins. */
  onStart?: () => void;
  /** The container's address on its network, once the engine tells it (after the start). */
  onAddress?: (address: string) => void;
}

export interface ContainerExit {
  statusCode: number;
  oomKilled: boolean;
}

/**
 * One context's container: created with its output attached before it starts (so no line is
 * lost), then started. `exited` settles when the container stops for any reason.
 */
export class ContextContainer {
  private removal: Promise<void> | undefined;

  private constructor(
    readonly container: Docker.Container,
    readonly exited: Promise<ContainerExit>,
  ) {}

  get id(): string {
    return this.container.id;
  }

  static async run(docker: Docker, spec: Docker.ContainerCreateOptions, onOutput: ContainerIo): Promise<ContextContainer> {
    const container = await docker.createContainer(spec);
    try {
      const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
      const out = new PassThrough();
      const err = new PassThrough();
      docker.modem.demuxStream(stream, out, err);
      out.pipe(onOutput.stdout);
      err.pipe(onOutput.stderr);
      stream.on('end', () => {
        out.end();
        err.end();
      });
      onOutput.onStart?.();
      await container.start();
      if (onOutput.onAddress) void addressOf(container).then(onOutput.onAddress, () => undefined);
      const exited = container
        .wait()
        .then(async (r: { StatusCode: number }) => ({ statusCode: r.StatusCode, oomKilled: await oomKilled(container) }))
        .catch(() => ({ statusCode: -1, oomKilled: false }));
      return new ContextContainer(container, exited);
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Idempotent, as the freezer needs it: a busy engine's own state can lag behind quick
   * pause/unpause cycles ("already paused", "is not paused"); a refused freeze is retried (see
   * pauseRetrying).
   */
  async pause(): Promise<void> {
    try {
      await pauseRetrying(() => this.container.pause());
    } catch (err) {
      throw asEngineError(this.container, err);
    }
  }

  unpause(): Promise<ThawOutcome> {
    return this.container.unpause().then(
      () => 'thawed' as const,
      (err: unknown) => {
        if (!/is not paused/i.test((err as Error).message ?? '')) throw asEngineError(this.container, err);
        // Docker's record can lag its engine: under load a late "resumed" event of the previous
        // unpause marks the container running after the pause that followed it (Docker 20.10), and
        // the context would stay frozen with its event (the invocation timed out). Only the kernel
        // can be asked then; where the cgroup is local, it is thawed there. Otherwise someone else
        // resumed it (docker kill, stop and rm -f do, to deliver their signal).
        return thawIfFrozen(this.id) ? ('thawed' as const) : ('resumed-elsewhere' as const);
      },
    );
  }

  /**
   * Sets the CPU quota (Docker's NanoCpus) of the running container. It sits on the cold path
   * (between the init and the first event), so where the cgroup is on this host the kernel gets it
   * at once and Docker's own record (`docker inspect`) follows in the background; elsewhere the
   * engine call is awaited.
   */
  limitCpu(nanoCpus: number): Promise<void> {
    const update = this.container.update({ NanoCpus: nanoCpus }).then(
      () => undefined,
      (err: unknown) => {
        throw asEngineError(this.container, err);
      },
    );
    if (!writeCpuQuota(this.id, nanoCpus)) return update;
    // The kernel enforces the quota already; a record that fails to follow changes nothing the function sees.
    update.catch(() => undefined);
    return Promise.resolve();
  }

  /** Sends a signal to the container's PID 1 (docker-init, which passes it on to the runtime). */
  signal(signal: string): Promise<void> {
    return this.container.kill({ signal }).then(
      () => undefined,
      (err: unknown) => {
        throw asEngineError(this.container, err);
      },
    );
  }

  /** Idempotent: a container already gone counts as removed. */
  remove(): Promise<void> {
    this.removal ??= this.container.remove({ force: true, v: true }).catch((err: unknown) => {
      if (!isGoneOrConflict(err)) throw err;
    });
    return this.removal;
  }
}

/** The container's IPv4 address on its (first) network. */
async function addressOf(container: Docker.Container): Promise<string> {
  const info = await container.inspect();
  const nets = Object.values(info.NetworkSettings.Networks ?? {});
  const address = nets.map((n) => n.IPAddress).find(Boolean);
  if (!address) throw new Error(`container ${container.id} has no address`);
  return address;
}

/**
 * Waits before each retry of a freeze that runc gave up on ("unable to freeze": a task of the
 * cgroup mid-fork or in an uninterruptible sleep, common on a loaded host). Only after the last
 * is the context given up, and with it a warm context.
 */
export const FREEZE_RETRY_MS: readonly number[] = [20, 100, 400];

/** `pause`, where "already paused" is done and "unable to freeze" is retried after each of `retryMs`. */
export async function pauseRetrying(
  pause: () => Promise<unknown>,
  retryMs: readonly number[] = FREEZE_RETRY_MS,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await pause();
      return;
    } catch (err) {
      const msg = (err as Error).message ?? '';
      if (/already paused/i.test(msg)) return;
      if (attempt >= retryMs.length || !/unable to freeze/i.test(msg)) throw err;
      await wait(retryMs[attempt]);
    }
  }
}

async function oomKilled(container: Docker.Container): Promise<boolean> {
  try {
    return Boolean((await container.inspect()).State.OOMKilled);
  } catch {
    return false;
  }
}
