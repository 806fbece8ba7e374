import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_UNZIPPED_CODE_BYTES } from '../lambda-limits';

/** Where merged layer directories are kept, one per distinct content (reused across runs). */
export const LAYER_CACHE_DIR = path.join(os.tmpdir(), 'lambda-orchestrator-layers');

export interface MergedLayers {
  /** The merged directory: bind-mount it read-only at /opt. */
  dir: string;
  /** Executables directly in its extensions/ (Lambda's external extensions), sorted. */
  extensions: string[];
}

type Entry =
  | { kind: 'dir'; mode: number }
  | { kind: 'file'; src: string; mode: number; size: number; mtimeMs: number; dev: number }
  | { kind: 'symlink'; target: string };

/**
 * Merges layer directories as Lambda extracts layers into /opt: in order, a later layer's file
 * replacing an earlier one's at the same path. The result is built once per content (the key hashes
 * the paths and every entry's size, mode and mtime) and reused; files are hard links where the
 * filesystem allows (copies otherwise), modes kept, symlinks kept as symlinks. No layers: undefined.
 * Layers whose files add up (by their length: a sparse file counts whole) to more than `maxBytes`,
 * Lambda's 250 MB, are refused before anything is copied.
 */
export async function mergeLayers(
  layers: readonly string[],
  cacheDir = LAYER_CACHE_DIR,
  maxBytes = MAX_UNZIPPED_CODE_BYTES,
): Promise<MergedLayers | undefined> {
  if (layers.length === 0) return undefined;
  const entries = new Map<string, Entry>();
  for (const layer of layers) {
    const root = await fs.stat(layer).catch(() => undefined);
    if (!root?.isDirectory()) throw new Error(`layer ${layer} is not a directory`);
    await walk(layer, '', entries);
  }
  // prepareCode measured them with the function's code; this holds for any caller, before a byte is copied.
  const bytes = [...entries.values()].reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0);
  if (bytes > maxBytes) {
    throw new Error(
      `layers ${layers.join(', ')} take ${Math.round(bytes / 1048576)} MB (files counted by their length): over Lambda's limit of ${Math.round(maxBytes / 1048576)} MB unzipped for a function's code and all its layers; not copied`,
    );
  }
  const dir = path.join(cacheDir, cacheKey(layers, entries));
  if (!(await exists(dir))) await build(dir, entries, cacheDir);
  return { dir, extensions: extensionNames(entries) };
}

/** Records a layer's entries over the earlier layers' (a path's kind may change: the later one wins). */
async function walk(root: string, rel: string, entries: Map<string, Entry>): Promise<void> {
  const names = (await fs.readdir(path.join(root, rel))).sort();
  for (const name of names) {
    const relPath = rel ? `${rel}/${name}` : name;
    const full = path.join(root, relPath);
    const st = await fs.lstat(full);
    const entry = await entryOf(full, st);
    if (!entry) continue; // sockets, fifos, devices: nothing a layer zip can hold
    const before = entries.get(relPath);
    if (before && before.kind !== entry.kind) dropUnder(entries, relPath);
    if (!(before?.kind === 'dir' && entry.kind === 'dir')) entries.set(relPath, entry);
    if (entry.kind === 'dir') await walk(root, relPath, entries);
  }
}

async function entryOf(full: string, st: Stats): Promise<Entry | undefined> {
  if (st.isSymbolicLink()) return { kind: 'symlink', target: await fs.readlink(full) };
  if (st.isDirectory()) return { kind: 'dir', mode: st.mode & 0o7777 };
  if (st.isFile()) return { kind: 'file', src: full, mode: st.mode & 0o7777, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev };
  return undefined;
}

function dropUnder(entries: Map<string, Entry>, relPath: string): void {
  entries.delete(relPath);
  for (const key of [...entries.keys()]) if (key.startsWith(`${relPath}/`)) entries.delete(key);
}

function cacheKey(layers: readonly string[], entries: Map<string, Entry>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(layers));
  for (const [rel, e] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const fields =
      e.kind === 'file' ? [e.kind, e.src, e.mode, e.size, e.mtimeMs] : e.kind === 'dir' ? [e.kind, e.mode] : [e.kind, e.target];
    h.update(JSON.stringify([rel, ...fields]));
  }
  return h.digest('hex').slice(0, 24);
}

/** Builds next to the cache entry and renames it into place: readers never see a partial tree. */
async function build(dir: string, entries: Map<string, Entry>, cacheDir: string): Promise<void> {
  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await fs.mkdir(tmp, { mode: 0o755 });
    await fs.chmod(tmp, 0o755); // /opt is read by the function's user (SANDBOX_UID), whatever the umask
    for (const [rel, e] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const dest = path.join(tmp, rel);
      if (e.kind === 'dir') {
        await fs.mkdir(dest);
        await fs.chmod(dest, e.mode | 0o555);
      } else if (e.kind === 'symlink') {
        await fs.symlink(e.target, dest);
      } else {
        await linkOrCopy(e.src, dest, e.mode);
      }
    }
    await fs.rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process built the same content first: theirs is as good as ours.
      if ((err.code === 'ENOTEMPTY' || err.code === 'EEXIST') && (await exists(dir))) return;
      throw err;
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function linkOrCopy(src: string, dest: string, mode: number): Promise<void> {
  try {
    await fs.link(src, dest); // shares the inode: same content, mode and owner
  } catch {
    // Another filesystem (EXDEV), or a file we may not link (protected_hardlinks): copy it.
    await fs.copyFile(src, dest);
    await fs.chmod(dest, mode);
  }
}

function extensionNames(entries: Map<string, Entry>): string[] {
  const names: string[] = [];
  for (const [rel, e] of entries) {
    const m = /^extensions\/([^/]+)$/.exec(rel);
    // A symlinked extension counts too: whether its target is executable shows only in the container.
    if (m && ((e.kind === 'file' && (e.mode & 0o111) !== 0) || e.kind === 'symlink')) names.push(m[1]);
  }
  return names.sort();
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}
