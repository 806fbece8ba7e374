import { watch, type FSWatcher } from 'chokidar';
import type { FunctionConfig } from '../config/types';
import { classifyChanges, codeFolders, type ProjectChange } from './changes';

export interface ProjectWatcherOptions {
  /** functions.yaml */
  file: string;
  /** The functions being served (their code folders are watched). */
  functions(): Iterable<FunctionConfig>;
  /** A batch of changes, after `debounceMs` without further events. */
  onChange(change: ProjectChange): void;
  onError(err: unknown): void;
  debounceMs?: number;
}

const IGNORED = /(^|[/\\])(\.git|node_modules[/\\]\.cache)([/\\]|$)|~$|\.sw[a-p]$/;

/** Watches functions.yaml and every function's code folder (chokidar), batching bursts of events. */
export class ProjectWatcher {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private watched = new Set<string>();

  private constructor(
    private readonly fsw: FSWatcher,
    private readonly opts: ProjectWatcherOptions,
  ) {}

  /** Resolves once the initial scan is done: later changes are reported. */
  static async start(opts: ProjectWatcherOptions): Promise<ProjectWatcher> {
    const fsw = watch([], { ignoreInitial: true, ignored: (p) => IGNORED.test(p) });
    const w = new ProjectWatcher(fsw, opts);
    fsw.on('all', (_event, p) => w.record(p));
    fsw.on('error', (err) => opts.onError(err));
    const ready = new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
    w.refresh();
    await ready;
    return w;
  }

  /** Watches the code folders of the functions served now (call after a reload). */
  refresh(): void {
    const want = new Set([this.opts.file, ...codeFolders(this.opts.functions())]);
    const added = [...want].filter((p) => !this.watched.has(p));
    const gone = [...this.watched].filter((p) => !want.has(p));
    if (gone.length > 0) this.fsw.unwatch(gone);
    if (added.length > 0) this.fsw.add(added);
    this.watched = want;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.fsw.close();
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
