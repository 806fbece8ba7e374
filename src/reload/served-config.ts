import type { ProjectConfig } from '../config/types';

/**
 * The configuration being served: the start's, then each reload's. Built first, so that every
 * part that serves it (the invoker, the replenisher) reads it without waiting for the reloader,
 * the one part that replaces it.
 */
export class ServedConfig {
  constructor(private config: ProjectConfig) {}

  get current(): ProjectConfig {
    return this.config;
  }

  replace(next: ProjectConfig): void {
    this.config = next;
  }
}
