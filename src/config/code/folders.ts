/**
 * Which host folders may be a function's code or a layer (docs/functions-yaml.md, "Which folders
 * may be code"): mounting /etc at /var/task, or a whole home folder, hands the host's secrets to
 * a function. Decided on the path as given and on its real path (symlinks resolved).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Nothing at or under these is code: the host's own system. */
const SYSTEM_TREES = [
  '/etc',
  '/usr',
  '/var',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/run',
  '/snap',
];

/** These folders themselves are not code, though a project may live below them. */
const WIDE_FOLDERS = ['/', '/root', '/home', '/tmp', '/opt', '/srv', '/mnt', '/media'];

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

const under = (p: string, tree: string): boolean => p === tree || p.startsWith(tree === '/' ? '/' : `${tree}/`);

/** Folders below which projects are fine even inside a system tree (macOS's temp dir is under /var, a CI user's home may be). */
function projectRoots(): string[] {
  return [...new Set([os.tmpdir(), real(os.tmpdir()), '/tmp', os.homedir(), real(os.homedir())])].filter((p) => p !== '/');
}

function wideFolders(): Set<string> {
  const wide = new Set(WIDE_FOLDERS);
  for (const p of [os.homedir(), os.tmpdir()]) {
    wide.add(p);
    wide.add(real(p));
  }
  return wide;
}

/** Why `p` (absolute, normalised) may not be code; undefined when it may. */
function problemOf(p: string, dockerRoot: string | undefined): string | undefined {
  if (wideFolders().has(p) || (path.dirname(p) === '/home' && p !== '/home')) {
    return `${p} itself: give the function's own folder (one below it is fine)`;
  }
  if (dockerRoot && under(p, dockerRoot)) return `${dockerRoot}, the Docker engine's data root, and everything under it`;
  if (projectRoots().some((root) => p.startsWith(`${root}/`))) return undefined;
  const tree = SYSTEM_TREES.find((t) => under(p, t));
  return tree ? `${tree} and everything under it` : undefined;
}

/**
 * Why `dir` (absolute) may not be mounted as code or a layer, or undefined when it may.
 * `dockerRoot` is the engine's DockerRootDir when known (/var/lib/docker by default, under /var).
 */
export function systemDirProblem(dir: string, dockerRoot?: string): string | undefined {
  const given = path.resolve(dir);
  const resolved = real(given);
  const roots = dockerRoot ? [...new Set([dockerRoot, real(dockerRoot)])] : [undefined];
  for (const p of new Set([given, resolved])) {
    for (const root of roots) {
      const why = problemOf(p, root);
      if (why) {
        const shown = `${dir}${p !== dir ? ` (resolves to ${p})` : ''}`;
        return `${shown} is the root or a system directory of this host (${why}); see "Which folders may be code" in docs/functions-yaml.md`;
      }
    }
  }
  return undefined;
}
