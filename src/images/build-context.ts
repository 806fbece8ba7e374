/**
 * A Docker build context composed from several places (an images/ folder, this host's binaries and
 * libraries, the project's node_modules): a list of entries, a content hash over them, and a tar
 * stream of them for POST /build.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tarFs from 'tar-fs';

export type ContextEntry =
  /**
   * A file; `bytes` hashes its content (small, project files), `stat` its path, size and mtime
   * (large host files), `{ id }` a given identity (a pinned version, for a file not fetched yet).
   */
  | { kind: 'file'; dest: string; source: string; identity: 'bytes' | 'stat' | { id: string } }
  | { kind: 'symlink'; dest: string; target: string }
  | { kind: 'dir'; dest: string };

/** Files under `root` (symlinks followed; dangling ones and `skip`ped names left out), as context entries under `destPrefix`. */
export async function folderEntries(
  root: string,
  destPrefix: string,
  identity: 'bytes' | 'stat',
  skip: (rel: string, isDir: boolean) => boolean = () => false,
): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [{ kind: 'dir', dest: destPrefix }];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await fsp.readdir(path.join(root, rel))).sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      let st;
      try {
        st = await fsp.stat(path.join(root, childRel));
      } catch {
        continue; // a dangling symlink
      }
      if (skip(childRel, st.isDirectory())) continue;
      if (st.isDirectory()) await walk(childRel);
      else if (st.isFile()) out.push({ kind: 'file', dest: `${destPrefix}/${childRel}`, source: path.join(root, childRel), identity });
    }
  };
  await walk('');
  return out;
}

/** sha256 (12 hex) over a salt and the entries, in dest order. */
export async function hashContext(salt: string, entries: readonly ContextEntry[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${salt}\n`);
  for (const e of sorted(entries)) {
    if (e.kind === 'dir') hash.update(`dir\0${e.dest}\n`);
    else if (e.kind === 'symlink') hash.update(`link\0${e.dest}\0${e.target}\n`);
    else if (typeof e.identity === 'object') hash.update(`id\0${e.dest}\0${e.identity.id}\n`);
    else {
      const st = await fsp.stat(e.source);
      const x = (st.mode & 0o111) !== 0 ? 'x' : '-';
      if (e.identity === 'stat') hash.update(`stat\0${e.dest}\0${e.source}\0${st.size}\0${Math.trunc(st.mtimeMs)}\0${x}\n`);
      else {
        hash.update(`file\0${e.dest}\0${x}\0${st.size}\0`);
        hash.update(await fsp.readFile(e.source));
        hash.update('\n');
      }
    }
  }
  return hash.digest('hex').slice(0, 12);
}

function sorted(entries: readonly ContextEntry[]): ContextEntry[] {
  return [...entries].sort((a, b) => (a.dest < b.dest ? -1 : a.dest > b.dest ? 1 : 0));
}

/**
 * Lay the entries out in a temp folder (hard links where possible: no copy of ~200 MB) and call
 * `use` with a tar stream of it; the folder is removed afterwards.
 */
export async function withContextTar<T>(entries: readonly ContextEntry[], use: (tar: NodeJS.ReadableStream) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lambda-orchestrator-context-'));
  try {
    for (const e of sorted(entries)) {
      const target = path.join(dir, e.dest);
      if (e.kind === 'dir') {
        await fsp.mkdir(target, { recursive: true });
        continue;
      }
      await fsp.mkdir(path.dirname(target), { recursive: true });
      if (e.kind === 'symlink') await fsp.symlink(e.target, target);
      else {
        const source = await fsp.realpath(e.source); // link() would link a symlink itself, not its file
        try {
          await fsp.link(source, target);
        } catch {
          await fsp.copyFile(source, target);
          await fsp.chmod(target, (await fsp.stat(source)).mode & 0o7777);
        }
      }
    }
    // Every file root-owned and world-readable (the runtime runs as 993:990); executables stay so.
    const packOptions: tarFs.PackOptions & { sort: boolean } = {
      sort: true,
      map: (header) => {
        header.uid = 0;
        header.gid = 0;
        Object.assign(header, { uname: 'root', gname: 'root' });
        if (header.type !== 'symlink') header.mode = header.type === 'directory' || (header.mode & 0o111) !== 0 ? 0o755 : 0o644;
        return header;
      },
    };
    // tar-fs 3 returns a streamx stream: pipe-compatible, typed apart from Node's streams.
    return await use(tarFs.pack(dir, packOptions) as unknown as NodeJS.ReadableStream);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
