import { hostname } from 'node:os';
import { processAlive } from '../process-alive';
import { LABEL_INSTANCE, LABEL_OWNER_HOST, LABEL_OWNER_PID } from './labels';

/**
 * Whether the orchestrator that made a container is still running. Only an owner on this host
 * can be checked (its pid); one on another host sharing the engine is presumed alive.
 */
export function ownerIsAlive(labels: Record<string, string>, liveInstanceIds: ReadonlySet<string>): boolean {
  if (liveInstanceIds.has(labels[LABEL_INSTANCE] ?? '')) return true;
  if (labels[LABEL_OWNER_HOST] !== hostname()) return true;
  const pid = Number(labels[LABEL_OWNER_PID]);
  const instance = labels[LABEL_INSTANCE] ?? '';
  // The instance id starts with the pid; a recycled pid that now belongs to another process is
  // told apart only by it not being an orchestrator of ours, which we cannot see: accept that risk.
  if (!instance.startsWith(`${pid}-`)) return false;
  return processAlive(pid);
}
