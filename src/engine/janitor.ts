import type Docker from 'dockerode';
import { isGoneOrConflict } from './client';
import { LABEL_INSTANCE } from './labels';

/**
 * Removes this orchestrator's containers that a context could not remove itself (the engine was
 * unreachable at the time): remembered by id, retried on every `retry()` until they are gone.
 * `sweep()` removes every container of this instance, the last step of a shutdown.
 */
export class ContainerJanitor {
  private readonly pending = new Set<string>();
  private retrying: Promise<void> | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly instanceId: string,
  ) {}

  /** A container to remove later. */
  later(containerId: string): void {
    this.pending.add(containerId);
  }

  get pendingIds(): string[] {
    return [...this.pending];
  }

  /** One attempt at every pending removal; no Docker call when nothing is pending. */
  retry(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    this.retrying ??= (async () => {
      await Promise.all(
        [...this.pending].map(async (id) => {
          if (await this.remove(id)) this.pending.delete(id);
        }),
      );
    })().finally(() => {
      this.retrying = undefined;
    });
    return this.retrying;
  }

  /** Removes every container labelled with this instance; returns the ids removed. */
  async sweep(): Promise<string[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_INSTANCE}=${this.instanceId}`] } });
    const results = await Promise.all(list.map(async (c) => ((await this.remove(c.Id)) ? c.Id : undefined)));
    for (const id of results) if (id) this.pending.delete(id);
    const left = list.length - results.filter(Boolean).length;
    if (left > 0) throw new Error(`${left} container(s) of instance ${this.instanceId} could not be removed`);
    return results.filter((id): id is string => id !== undefined);
  }

  private async remove(id: string): Promise<boolean> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
      return true;
    } catch (err) {
      return isGoneOrConflict(err);
    }
  }
}
