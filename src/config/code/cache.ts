/**
 * The cache of code a template gives as a .zip or inline: one folder per content key in the temp
 * dir, world-readable (the context's user is not the owner), filled next to its place and renamed
 * in (two loads never see half an entry), its size recorded in its `.complete` marker. Bounded:
 * the entries the current load uses stay, the others go, least recently used first, past
 * CACHE_MAX_ENTRIES or CACHE_MAX_BYTES; leftovers of interrupted fills are removed.
 */
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CACHE_MAX_ENTRIES = 16;
export const CACHE_MAX_BYTES = 1024 * 1024 * 1024;
/** A fill folder older than this was left by a process that died mid-fill. */
const STALE_FILL_MS = 60 * 60 * 1000;
const COMPLETE = '.complete';

export function codeCacheDir(): string {
  return path.join(os.tmpdir(), 'orchestrator-sam-cache');
}

/** True when the entry at `dir` is whole (its marker is written last). */
export function isComplete(dir: string): boolean {
  return fs.existsSync(path.join(dir, COMPLETE));
}

/** Inline code: one small file, written synchronously at load. */
export function inlineEntry(key: string, file: string, content: string, cacheDir = codeCacheDir()): string {
  const dir = path.join(cacheDir, key);
  if (isComplete(dir)) return dir;
  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
  const tmp = fs.mkdtempSync(path.join(cacheDir, `.${key}-`));
  try {
    fs.writeFileSync(path.join(tmp, file), content, { mode: 0o644 });
    fs.writeFileSync(path.join(tmp, COMPLETE), JSON.stringify({ bytes: Buffer.byteLength(content) }));
    fs.chmodSync(tmp, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!isComplete(dir)) throw err; // else another load won the race
  }
  return dir;
}

/** Fills the entry at `dir` (a folder of the cache) with `fill`, unless it is whole already. */
export async function fillEntry(dir: string, fill: (tmp: string) => Promise<number>): Promise<void> {
  if (isComplete(dir)) return;
  const cacheDir = path.dirname(dir);
  await fsp.mkdir(cacheDir, { recursive: true, mode: 0o755 });
  const tmp = await fsp.mkdtemp(path.join(cacheDir, `.${path.basename(dir)}-`));
  try {
    const bytes = await fill(tmp);
    await makeReadable(tmp);
    await fsp.writeFile(path.join(tmp, COMPLETE), JSON.stringify({ bytes }));
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rename(tmp, dir);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    if (!isComplete(dir)) throw err;
  }
}

/** Directories 0755, files at least 0644, executables 0755: the context's user is not the owner. */
async function makeReadable(dir: string): Promise<void> {
  await fsp.chmod(dir, 0o755);
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadable(p);
    else if (entry.isFile()) {
      const mode = (await fsp.stat(p)).mode & 0o777;
      await fsp.chmod(p, mode | 0o644 | (mode & 0o111 ? 0o111 : 0));
    }
  }
}

interface CachedEntry {
  dir: string;
  bytes: number;
  usedMs: number;
}

async function entries(cacheDir: string): Promise<{ whole: CachedEntry[]; partial: string[] }> {
  const whole: CachedEntry[] = [];
  const partial: string[] = [];
  for (const name of await fsp.readdir(cacheDir).catch(() => [] as string[])) {
    const dir = path.join(cacheDir, name);
    const marker = await fsp.stat(path.join(dir, COMPLETE)).catch(() => undefined);
    if (!marker) {
      const st = await fsp.stat(dir).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > STALE_FILL_MS) partial.push(dir);
      continue;
    }
    const bytes = await fsp.readFile(path.join(dir, COMPLETE), 'utf8').then(
      (text) => Number((JSON.parse(text || '{}') as { bytes?: number }).bytes ?? 0),
      () => 0,
    );
    whole.push({ dir, bytes, usedMs: marker.mtimeMs });
  }
  return { whole, partial };
}

/**
 * Marks the entries in `inUse` as just used and removes the others least recently used first,
 * until at most `maxEntries` entries and `maxBytes` remain (those in use always stay), with any
 * fill folder an interrupted load left. Returns the folders removed.
 */
export async function evictCache(
  inUse: Iterable<string>,
  cacheDir = codeCacheDir(),
  limits: { maxEntries: number; maxBytes: number } = { maxEntries: CACHE_MAX_ENTRIES, maxBytes: CACHE_MAX_BYTES },
): Promise<string[]> {
  const keep = new Set([...inUse].filter((d) => path.dirname(d) === cacheDir));
  const now = new Date();
  for (const dir of keep) await fsp.utimes(path.join(dir, COMPLETE), now, now).catch(() => undefined);
  const { whole, partial } = await entries(cacheDir);
  let count = whole.length;
  let bytes = whole.reduce((n, e) => n + e.bytes, 0);
  const removed: string[] = [...partial];
  for (const e of whole.filter((x) => !keep.has(x.dir)).sort((a, b) => a.usedMs - b.usedMs)) {
    if (count <= limits.maxEntries && bytes <= limits.maxBytes) break;
    removed.push(e.dir);
    count -= 1;
    bytes -= e.bytes;
  }
  for (const dir of removed) await fsp.rm(dir, { recursive: true, force: true });
  return removed;
}
