/**
 * The kernel's own freezer for one container's cgroup, where the engine is local: the physical
 * limit under `docker pause`/`unpause` (runc writes the same file, then dockerd and containerd
 * answer). cgroup v1: freezer.state (FROZEN / THAWED, FREEZING while it works); v2: cgroup.freeze
 * with `frozen 0|1` in cgroup.events.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cgroupFile } from '../src/engine/cgroup-reader';

export interface KernelFreezer {
  /** Where it writes, for the report. */
  path: string;
  /** Freezes and polls until the kernel reports it frozen; ms. */
  freeze(): number;
  /** Thaws and polls until the kernel reports it thawed; ms. */
  thaw(): number;
}

const POLL_LIMIT_MS = 2000;

/** The freezer of container `id`, or undefined if this host cannot reach it (a remote engine, no permission). */
export function kernelFreezer(id: string): KernelFreezer | undefined {
  const file = cgroupFile(id, 'freezer', 'freezer.state', 'cgroup.freeze');
  if (!file) return undefined;
  if (file.endsWith('freezer.state')) {
    const state = () => readFileSync(file, 'utf8').trim();
    return checked({
      path: file,
      freeze: () => setAndWait(file, 'FROZEN', () => state() === 'FROZEN'),
      thaw: () => setAndWait(file, 'THAWED', () => state() === 'THAWED'),
    });
  }
  const frozen = () => /^frozen 1$/m.test(readFileSync(path.join(path.dirname(file), 'cgroup.events'), 'utf8'));
  return checked({ path: file, freeze: () => setAndWait(file, '1', frozen), thaw: () => setAndWait(file, '0', () => !frozen()) });
}

/** Tries one freeze and thaw; undefined if writing is not allowed here. */
function checked(f: KernelFreezer): KernelFreezer | undefined {
  try {
    f.freeze();
    f.thaw();
    return f;
  } catch {
    return undefined;
  }
}

/** Busy-polls (synchronously: nothing of ours runs meanwhile) until `done`; ms from the write. */
function setAndWait(file: string, value: string, done: () => boolean): number {
  const start = process.hrtime.bigint();
  writeFileSync(file, value);
  for (;;) {
    if (done()) return Number(process.hrtime.bigint() - start) / 1e6;
    if (Number(process.hrtime.bigint() - start) / 1e6 > POLL_LIMIT_MS) throw new Error(`${file} never read ${value}`);
  }
}
