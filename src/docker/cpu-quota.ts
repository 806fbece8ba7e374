import { writeFileSync } from 'node:fs';
import { cgroupFile } from './cgroup-reader';

/** The CFS period Docker uses for NanoCpus (the daemon's cpuPeriod, µs). */
const CFS_PERIOD_US = 100_000;

/**
 * Sets a container's CPU quota in its cgroup as `docker update --cpus` does (quota = NanoCpus ×
 * period / 1e9, truncated), in a few µs instead of an engine call. False where the cgroup is not
 * on this host (a remote engine) or cannot be written (rootless, a read-only cgroupfs).
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
