import { watch, type FSWatcher } from 'chokidar';
import type { FunctionConfig } from '../config/types';
import { classifyChanges, codeFolders, type ProjectChange } from './changes';
import { WatchScope } from './watch-scope';

export interface ProjectWatcherOptions {
  /** functions.yaml */
  file: string;
  /** The functions being served (their code folders are watched). */
  functions(): Iterable<FunctionConfig>;
  /** A batch of changes, after `debounceMs` without further events. */
  onChange(change: ProjectChange): void;
  onError(err: unknown): void;
  debounceMs?: number;
  /** At most this many paths are watched (MAX_WATCHED_PATHS unless given). */
  maxWatchedPaths?: number;
}

const IGNORED = /(^|[/\\])(\.git|node_modules[/\\]\.cache)([/\\]|$)|~$|\.sw[a-p]$/;

/**
 * Watches functions.yaml and every function's code folder (chokidar), batching bursts of events.
 * Symbolic links are never followed: a folder that is itself a link is watched at its real path.
 */
export class ProjectWatcher {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private watched = new Set<string>();
  private noSpaceReported = false;

  private constructor(
    private readonly fsw: FSWatcher,
    private readonly scope: WatchScope,
    private readonly opts: ProjectWatcherOptions,
  ) {}

  /** Resolves once the initial scan is done: later changes are reported. */
  static async start(opts: ProjectWatcherOptions): Promise<ProjectWatcher> {
    const scope = new WatchScope((message) => opts.onError(new Error(message)), opts.maxWatchedPaths);
    const fsw = watch([], { ignoreInitial: true, followSymlinks: false, ignored: (p) => IGNORED.test(p) || scope.ignores(p) });
    const w = new ProjectWatcher(fsw, scope, opts);
    fsw.on('all', (event, p) => {
      if (event === 'unlink' || event === 'unlinkDir') scope.forget(p);
      for (const d of scope.declaredPaths(p)) w.record(d);
    });
    fsw.on('error', (err) => w.error(err));
    const ready = new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
    w.refresh();
    await ready;
    return w;
  }

  /** Watches the code folders of the functions served now (call after a reload). */
  refresh(): void {
    const want = new Set(this.scope.setRoots([this.opts.file, ...codeFolders(this.opts.functions())]));
    const added = [...want].filter((p) => !this.watched.has(p));
    const gone = [...this.watched].filter((p) => !want.has(p));
    if (gone.length > 0) this.fsw.unwatch(gone);
    if (added.length > 0) this.fsw.add(added);
    this.watched = want;
  }

  /** How many paths are watched now (chokidar's own count: folders and the entries in them). */
  watchedPaths(): number {
    return Object.entries(this.fsw.getWatched()).reduce((n, [, entries]) => n + entries.length, 0);
  }

  /** chokidar's `getWatched()`: each watched folder and its entries. */
  getWatched(): Record<string, string[]> {
    return this.fsw.getWatched();
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.fsw.close();
  }

  /** The host's inotify watches used up: said once, not for every path that fails after it. */
  private error(err: unknown): void {
    if ((err as NodeJS.ErrnoException)?.code === 'ENOSPC') {
      if (this.noSpaceReported) return;
      this.noSpaceReported = true;
      this.opts.onError(
        new Error(
          `the host's limit of file watches is reached (fs.inotify.max_user_watches); changes to files not yet watched are not noticed`,
        ),
      );
      return;
    }
    this.opts.onError(err);
  }

  private record(p: string): void {
    this.pending.add(p);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.opts.debounceMs ?? 200);
  }

  private flush(): void {
    this.timer = undefined;
    const paths = this.pending;
    this.pending = new Set();
    const change = classifyChanges(paths, this.opts.file, this.opts.functions());
    if (change.config || change.code.size > 0) this.opts.onChange(change);
  }
}
