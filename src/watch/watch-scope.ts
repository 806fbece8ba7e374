import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { isInside } from './changes';

/**
 * How many paths one `up --watch` watches at most. Past it, the rest of the folder is not watched
 * (one message says where), so a huge folder cannot use up the host's inotify watches.
 */
export const MAX_WATCHED_PATHS = 10_000;

/** A watched folder (or functions.yaml) as declared, and the real path that is watched in its place. */
export interface WatchRoot {
  declared: string;
  real: string;
}

/** The real path of `p`; for a path gone (or not yet made), its nearest existing parent's real path plus the rest. */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

/**
 * Decides what the watcher may watch: only paths whose real path is inside a watched root (a symbolic
 * link out of a code or layer folder is never followed), and at most `max` paths in all.
 */
export class WatchScope {
  private roots: WatchRoot[] = [];
  private admitted = new Set<string>();
  private capReported = false;

  constructor(
    private readonly onCap: (message: string) => void,
    readonly max = MAX_WATCHED_PATHS,
  ) {}

  /** Sets the roots; returns the real paths to watch. */
  setRoots(declared: Iterable<string>): string[] {
    this.roots = [...declared].map((d) => ({ declared: path.resolve(d), real: realPath(d) }));
    for (const p of this.admitted) if (!this.inRoots(p)) this.admitted.delete(p);
    return [...new Set(this.roots.map((r) => r.real))];
  }

  /** How many paths are admitted (watched) now. */
  get size(): number {
    return this.admitted.size;
  }

  /** chokidar's `ignored`: true for a path to leave unwatched. */
  ignores(p: string): boolean {
    const abs = path.resolve(p);
    if (this.admitted.has(abs)) return false;
    // A symbolic link pointing out of the folder (or a path through one) is never watched.
    if (!this.inRoots(abs) || !this.inRoots(realPath(abs))) return true;
    if (this.admitted.size >= this.max) {
      if (!this.capReported) {
        this.capReported = true;
        const root = this.roots.find((r) => isInside(abs, r.real));
        this.onCap(
          `watching at most ${this.max} paths: ${root?.declared ?? path.dirname(abs)} holds more, and changes to its files not yet watched are not noticed`,
        );
      }
      return true;
    }
    this.admitted.add(abs);
    return false;
  }

  /** A path removed: it no longer counts. */
  forget(p: string): void {
    this.admitted.delete(path.resolve(p));
  }

  /** The declared paths an event's (real) path stands for, so changes map to the functions as configured. */
  declaredPaths(p: string): string[] {
    const abs = path.resolve(p);
    const out = new Set<string>([abs]);
    for (const r of this.roots)
      if (r.real !== r.declared && isInside(abs, r.real)) out.add(path.join(r.declared, path.relative(r.real, abs)));
    return [...out];
  }

  private inRoots(abs: string): boolean {
    return this.roots.some((r) => isInside(abs, r.real));
  }
}
