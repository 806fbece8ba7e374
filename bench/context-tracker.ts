/**
 * The function's warm context as the bench follows it. The orchestrator removes a context whose
 * pause or unpause the engine refused (under load: "unable to freeze", or dockerd's paused flag
 * out of step: "already paused" / "is not paused"); the next call then makes a new one. The
 * tracker finds it again and counts the loss, so one such engine error does not end a scenario.
 */
import type http from 'node:http';
import type Docker from 'dockerode';
import { invoke } from './http-client';
import { waitPaused } from './docker-util';
import type { OrchestratorProcess } from './orchestrator-process';

export class ContextTracker {
  lost = 0;
  private constructor(
    private readonly docker: Docker,
    private readonly orch: OrchestratorProcess,
    private readonly url: string,
    private readonly agent: http.Agent,
    public id: string,
  ) {}

  /** After the function's first (cold) call: its context, not the stem. */
  static async find(docker: Docker, orch: OrchestratorProcess, url: string, agent: http.Agent): Promise<ContextTracker> {
    const t = new ContextTracker(docker, orch, url, agent, '');
    t.id = await t.current();
    return t;
  }

  /** Waits until the context is paused; if it is gone, follows its successor (made by one uncounted call). */
  async waitPaused(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await waitPaused(this.docker, this.id);
      } catch (err) {
        if (attempt >= 3 || !(await this.gone())) throw err;
        await this.replace();
      }
    }
  }

  /** Runs `measure`; if the context went away meanwhile, counts it, follows the successor and returns undefined. */
  async orLost<T>(measure: (id: string) => Promise<T>): Promise<T | undefined> {
    try {
      return await measure(this.id);
    } catch (err) {
      if (!(await this.gone())) throw err;
      await this.replace();
      return undefined;
    }
  }

  private async gone(): Promise<boolean> {
    const rows = await this.orch.contexts();
    return !rows.some((r) => r.containerId === this.id);
  }

  private async replace(): Promise<void> {
    this.lost++;
    await invoke(this.url, 'noop', this.agent); // makes (or claims) a new context; not counted
    this.id = await this.current();
  }

  private async current(): Promise<string> {
    const rows = (await this.orch.contexts()).filter((r) => r.state !== 'stem' && r.containerId);
    const row = rows.find((r) => r.containerId === this.id) ?? rows[0];
    if (!row?.containerId) throw new Error('no context of the function');
    return row.containerId;
  }
}
