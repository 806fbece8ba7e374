import type Docker from 'dockerode';
import { isGoneOrConflict } from './client';
import { LABEL_FUNCTION } from './labels';
import { ownerIsAlive } from './owner-liveness';

export interface OrphanSweepResult {
  removed: string[];
  kept: number;
}

/**
 * Removes context containers whose orchestrator is gone (SIGKILL, reboot), paused ones included;
 * with `all`, every container carrying the tool's labels (`orchestrator down`).
 */
export async function removeOrphanContexts(
  docker: Docker,
  opts: { all?: boolean; liveInstanceIds?: ReadonlySet<string> } = {},
): Promise<OrphanSweepResult> {
  const list = await docker.listContainers({ all: true, filters: { label: [LABEL_FUNCTION] } });
  const live = opts.liveInstanceIds ?? new Set<string>();
  const doomed = list.filter((c) => opts.all || !ownerIsAlive(c.Labels ?? {}, live));
  const results = await Promise.allSettled(
    doomed.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: unknown) => {
          if (!isGoneOrConflict(err)) throw err;
        }),
    ),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    throw new Error(`could not remove ${failed.length} stale container(s): ${String(failed[0].reason)}`);
  }
  return { removed: doomed.map((c) => c.Id), kept: list.length - doomed.length };
}
