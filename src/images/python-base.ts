/**
 * The Python of a pythonX.Y runtime image on the offline `host` base: this host's Debian
 * interpreter (/usr/bin/pythonX.Y) at /var/lang/bin, its standard library at /var/lang/lib/pythonX.Y
 * (where the interpreter finds it relative to itself, as on Lambda), the libraries its extension
 * modules load, and boto3 with its dependencies from Debian's python3-boto3 in
 * /var/lang/lib/pythonX.Y/site-packages, where Lambda has it (the runtime's bootstrap.py puts that
 * folder on sys.path after the function's own ones, unless PYTHONPATH is set).
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import execa from 'execa';
import { type ContextEntry, folderEntries } from './build-context';

/** boto3 and what it needs, as Debian packages: python3-boto3 and its python3-* dependencies, recursively. */
const BOTO_ROOT = 'python3-boto3';
const DIST_PACKAGES = '/usr/lib/python3/dist-packages';

export function pythonVersion(runtime: string): string {
  const m = /^python(3\.\d+)$/.exec(runtime);
  if (!m) throw new Error(`${runtime} is not a Python runtime`);
  return m[1];
}

/** The clear error for a Python version this host cannot provide offline. */
export function missingPython(runtime: string, what: string): Error {
  const v = pythonVersion(runtime);
  return new Error(
    `the ${runtime} image cannot be built offline on this host: ${what}. ` +
      (v === '3.11'
        ? "Install Debian's packages (apt-get install -y python3.11 python3-boto3), or set "
        : `Debian bookworm carries Python 3.11 only; set `) +
      `settings.baseImages.${runtime} to a public image, e.g. public.ecr.aws/lambda/python:${v} or python:${v}-slim`,
  );
}

/** The interpreter and its standard library (no config-*: static libraries for building C code). */
export async function pythonLangEntries(runtime: string): Promise<{ entries: ContextEntry[]; binaries: string[] }> {
  const v = pythonVersion(runtime);
  const bin = `/usr/bin/python${v}`;
  const stdlib = `/usr/lib/python${v}`;
  if (!existsSync(bin) || !existsSync(path.join(stdlib, 'os.py'))) throw missingPython(runtime, `${bin} or ${stdlib} is missing`);
  const skip = (rel: string, isDir: boolean): boolean =>
    (isDir && (/^config-/.test(rel) || rel === 'site-packages' || rel === 'dist-packages' || rel === 'test')) || rel === 'sitecustomize.py';
  const entries: ContextEntry[] = [
    { kind: 'file', dest: `lang/bin/python${v}`, source: bin, identity: 'stat' },
    { kind: 'symlink', dest: 'lang/bin/python3', target: `python${v}` },
    { kind: 'symlink', dest: 'lang/bin/python', target: `python${v}` },
    ...(await folderEntries(stdlib, `lang/lib/python${v}`, 'stat', skip)),
  ];
  const dynload = path.join(stdlib, 'lib-dynload');
  const binaries = [bin, ...(await fsp.readdir(dynload)).filter((n) => n.endsWith('.so')).map((n) => path.join(dynload, n))];
  return { entries, binaries };
}

async function dpkgQuery(runtime: string, args: string[], pkg: string): Promise<string> {
  const r = await execa('dpkg-query', [...args, pkg], { reject: false }).catch(() => undefined);
  if (r === undefined || r.exitCode !== 0) throw missingPython(runtime, `Debian's ${pkg} is not installed (boto3 needs it)`);
  return r.stdout;
}

/** `python3-a (>= 1), python3:any, x | y` → the python3-* names (first alternative of each). */
export function pythonDepends(depends: string): string[] {
  return depends
    .split(',')
    .map((d) =>
      d
        .split('|')[0]
        .trim()
        .replace(/\s*\(.*\)$/, '')
        .replace(/:any$/, ''),
    )
    .filter((name) => name.startsWith('python3-'));
}

/** boto3 and its dependencies from Debian's packages, under `destPrefix`; throws when not installed. */
export async function botoEntries(runtime: string, destPrefix: string): Promise<ContextEntry[]> {
  const tops = new Set<string>();
  const seen = new Set<string>();
  const queue = [BOTO_ROOT];
  while (queue.length > 0) {
    const pkg = queue.shift()!;
    if (seen.has(pkg)) continue;
    seen.add(pkg);
    queue.push(...pythonDepends(await dpkgQuery(runtime, ['-W', '-f=${Depends}'], pkg)));
    for (const line of (await dpkgQuery(runtime, ['-L'], pkg)).split('\n')) {
      if (line.startsWith(`${DIST_PACKAGES}/`)) tops.add(line.slice(DIST_PACKAGES.length + 1).split('/')[0]);
    }
  }
  const out: ContextEntry[] = [{ kind: 'dir', dest: destPrefix }];
  for (const top of [...tops].sort()) {
    const src = path.join(DIST_PACKAGES, top);
    const st = await fsp.stat(src);
    if (st.isDirectory()) out.push(...(await folderEntries(src, `${destPrefix}/${top}`, 'stat')));
    else out.push({ kind: 'file', dest: `${destPrefix}/${top}`, source: src, identity: 'stat' });
  }
  return out;
}
