/**
 * The kernel's own freezer for one container's cgroup, where the engine is local: the physical
 * limit under `docker pause`/`unpause` (runc writes the same file, then dockerd and containerd
 * answer). cgroup v1: freezer.state (FROZEN / THAWED, FREEZING while it works); v2: cgroup.freeze
 * with `frozen 0|1` in cgroup.events.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

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
  const v1 = [`/sys/fs/cgroup/freezer/docker/${id}`, `/sys/fs/cgroup/freezer/system.slice/docker-${id}.scope`].find((d) => existsSync(`${d}/freezer.state`));
  if (v1) {
    const file = `${v1}/freezer.state`;
    return checked({ path: file, freeze: () => setAndWait(file, 'FROZEN', () => readFileSync(file, 'utf8').trim() === 'FROZEN'), thaw: () => setAndWait(file, 'THAWED', () => readFileSync(file, 'utf8').trim() === 'THAWED') });
  }
  const v2 = [`/sys/fs/cgroup/system.slice/docker-${id}.scope`, `/sys/fs/cgroup/docker/${id}`].find((d) => existsSync(`${d}/cgroup.freeze`));
  if (v2) {
    const frozen = () => /^frozen 1$/m.test(readFileSync(`${v2}/cgroup.events`, 'utf8'));
    return checked({ path: `${v2}/cgroup.freeze`, freeze: () => setAndWait(`${v2}/cgroup.freeze`, '1', frozen), thaw: () => setAndWait(`${v2}/cgroup.freeze`, '0', () => !frozen()) });
  }
  return undefined;
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
