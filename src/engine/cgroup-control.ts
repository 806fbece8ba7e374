import { readFileSync, writeFileSync } from 'node:fs';
import { cgroupFile } from './cgroup-reader';

/**
 * What the orchestrator asks of a local container's cgroup directly: each only where the engine
 * is on this host (the cgroup is found) and lets it write; false otherwise, and the caller goes
 * through the engine.
 */

/** The CFS period Docker uses for NanoCpus (the daemon's cpuPeriod, µs). */
const CFS_PERIOD_US = 100_000;

/**
 * Sets the CPU quota as `docker update --cpus` does (quota = NanoCpus × period / 1e9, truncated),
 * in a few µs instead of an engine call.
 */
export function writeCpuQuota(containerId: string, nanoCpus: number): boolean {
  const quota = Math.floor((nanoCpus * CFS_PERIOD_US) / 1e9);
  const file = cgroupFile(containerId, 'cpu', 'cpu.cfs_quota_us', 'cpu.max');
  if (!file) return false;
  try {
    if (file.endsWith('cpu.max')) {
      writeFileSync(file, `${quota} ${CFS_PERIOD_US}`);
    } else {
      writeFileSync(file.replace(/cpu\.cfs_quota_us$/, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      writeFileSync(file, String(quota));
    }
    return true;
  } catch {
    return false;
  }
}

/** Thaws the cgroup if the kernel holds it frozen (or freezing); true if it did. */
export function thawIfFrozen(containerId: string): boolean {
  const file = cgroupFile(containerId, 'freezer', 'freezer.state', 'cgroup.freeze');
  if (!file) return false;
  try {
    const v2 = file.endsWith('cgroup.freeze');
    const state = readFileSync(file, 'utf8').trim();
    if (state === (v2 ? '0' : 'THAWED')) return false;
    writeFileSync(file, v2 ? '0' : 'THAWED');
    return true;
  } catch {
    return false;
  }
}
