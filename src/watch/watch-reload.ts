import type { ConfigDiff } from '../config/diff';
import { loadConfigFile } from '../config/load';
import type { ProjectConfig } from '../config/types';
import { ConfigError } from '../errors';
import type { ProjectChange } from './changes';
import { ProjectWatcher } from './project-watcher';

/** What watching needs of a running orchestrator. */
export interface Reloadable {
  readonly config: ProjectConfig;
  reload(next: ProjectConfig, opts: { codeChanged?: Iterable<string> }): Promise<ConfigDiff>;
}

export interface WatchReloadOptions {
  file: string;
  orchestrator: Reloadable;
  report(line: string): void;
  load?(file: string): ProjectConfig;
  debounceMs?: number;
}

/**
 * `orchestrator up --watch`: reloads the orchestrator when functions.yaml (or the SAM template) or
 * a function's code or layers change. A broken file is reported (file, line, key) and the previous
 * configuration keeps serving; warnings the new file brings are reported once, as `up` reports its own.
 */
export async function watchAndReload(opts: WatchReloadOptions): Promise<{ close(): Promise<void> }> {
  const load = opts.load ?? loadConfigFile;
  const orch = opts.orchestrator;
  let watcher: ProjectWatcher | undefined;
  let chain = Promise.resolve();

  const apply = async (change: ProjectChange) => {
    let next = orch.config;
    if (change.config) {
      try {
        next = load(opts.file);
      } catch (err) {
        const why = err instanceof ConfigError ? err.message : `${opts.file}: ${(err as Error).message}`;
        opts.report(`${why}; not applied, still serving the previous configuration`);
        if (change.code.size === 0) return;
      }
    }
    const known = new Set(orch.config.warnings);
    for (const w of next.warnings) if (!known.has(w)) opts.report(`warning: ${w}`);
    const diff = await orch.reload(next, { codeChanged: change.code });
    watcher?.refresh();
    for (const line of describe(diff, change.code)) opts.report(line);
  };

  watcher = await ProjectWatcher.start({
    file: opts.file,
    functions: () => orch.config.functions.values(),
    onChange: (change) => {
      chain = chain.then(() => apply(change)).catch((err: unknown) => opts.report(`reload failed: ${(err as Error).message}`));
    },
    onError: (err) => opts.report(`watch: ${(err as Error).message}`),
    debounceMs: opts.debounceMs,
  });
  return {
    close: async () => {
      await watcher?.close();
      await chain;
    },
  };
}

function describe(diff: ConfigDiff, code: Set<string>): string[] {
  const lines: string[] = [];
  const changed = diff.changed.map((n) => (code.has(n) ? `${n} (code)` : n));
  if (changed.length > 0) lines.push(`updated ${changed.join(', ')}: new invocations start new contexts, old ones go once idle`);
  if (diff.added.length > 0) lines.push(`added ${diff.added.join(', ')}`);
  if (diff.removed.length > 0) lines.push(`removed ${diff.removed.join(', ')}`);
  if (diff.liveSettings.length > 0) lines.push(`applied settings ${diff.liveSettings.join(', ')}`);
  if (diff.restartSettings.length > 0) lines.push(`settings ${diff.restartSettings.join(', ')} changed: restart \`up\` to apply them`);
  if (lines.length === 0) lines.push('no change to apply');
  return lines;
}
