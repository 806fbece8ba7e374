/**
 * One build of an image reference at a time on this machine: a shared promise within the process
 * and a lock file in the temp dir across processes (several orchestrators and test workers may
 * start at once).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { dockerEndpoint } from '../engine/client';
import { processAlive } from '../process-alive';
import { imageExists } from './engine-images';

const inFlight = new Map<string, Promise<void>>();

/**
 * Run `build` for `ref` at most once at a time on this machine: once per process (a shared
 * promise) and across processes (a lock file in the temp dir, with stale-lock recovery). A caller
 * that waited finds the image the other one built and returns without building. The lock is an
 * optimisation only: if it cannot be taken in time, the build goes ahead (Docker copes with two
 * builds of one tag: the later one keeps the tag).
 */
export function buildOnce(docker: Dockerode, ref: string, build: () => Promise<void>): Promise<void> {
  const key = `${dockerEndpoint(docker)}\0${ref}`; // one build per engine: several engines may be in use
  const running = inFlight.get(key);
  if (running) return running;
  const p = (async () => {
    const release = await acquireBuildLock(docker, ref);
    if (release === 'exists') return;
    try {
      if (await imageExists(docker, ref)) return;
      await build();
    } finally {
      await release();
    }
  })().finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

const LOCK_STALE_MS = 30 * 60 * 1000;
const LOCK_WAIT_MS = 30 * 60 * 1000;
const LOCK_POLL_MS = 300;

async function acquireBuildLock(docker: Dockerode, ref: string): Promise<'exists' | (() => Promise<void>)> {
  const key = createHash('sha256')
    .update(`${dockerEndpoint(docker)}\0${ref}`)
    .digest('hex')
    .slice(0, 24);
  const lockPath = path.join(os.tmpdir(), `lambda-orchestrator-build-${key}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      const fh = await fsp.open(lockPath, 'wx');
      await fh.writeFile(`${process.pid} ${Date.now()} ${ref}\n`);
      await fh.close();
      return async () => {
        await fsp.rm(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Temp dir unusable: build without the cross-process lock.
        return async () => undefined;
      }
    }
    if (await imageExists(docker, ref)) return 'exists';
    let stale = false;
    try {
      const [pidText, timeText] = (await fsp.readFile(lockPath, 'utf8')).split(' ');
      stale = !processAlive(Number(pidText)) || Date.now() - Number(timeText) > LOCK_STALE_MS;
    } catch {
      // Released (or half-written) meanwhile: try again.
    }
    if (stale) {
      await fsp.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) return async () => undefined;
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}
