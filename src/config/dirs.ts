/**
 * The file-system side of validation: code and layer directories must exist, and must not be the
 * host's root or a system directory (mounting `/` or `/etc` at /var/task hands the host to a function).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Checker, KeyPath } from './checker';
import type { DirChecks } from './function';
import { runtimeFamily, RuntimeName } from './runtimes';

const SYSTEM_DIRS = ['/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run', '/sbin', '/sys', '/usr', '/var'];
/** Nothing under these is a directory of code. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

let systemDirs: ReadonlySet<string> | undefined;

/** The system directories, with every other top-level /lib* and the real paths they resolve to (/bin -> /usr/bin). */
function allSystemDirs(): ReadonlySet<string> {
  if (systemDirs) return systemDirs;
  const names = new Set(SYSTEM_DIRS);
  for (const entry of safe(() => fs.readdirSync('/'), [] as string[])) if (entry.startsWith('lib')) names.add(`/${entry}`);
  for (const dir of [...names]) names.add(safe(() => fs.realpathSync(dir), dir));
  return (systemDirs = names);
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** Why `dir` (absolute) may not be mounted, or undefined when it may. */
export function systemDirProblem(dir: string): string | undefined {
  const real = safe(() => fs.realpathSync(dir), dir);
  const system = allSystemDirs();
  for (const p of new Set([dir, real])) {
    const inTree = SYSTEM_TREES.some((t) => p === t || p.startsWith(`${t}/`));
    if (system.has(p) || inTree) {
      return `${dir}${p !== dir ? ` (resolves to ${p})` : ''} is the root or a system directory of this host; give the function's own folder`;
    }
  }
  return undefined;
}

function directory(c: Checker, baseDir: string, given: string, at: KeyPath): string {
  const dir = path.resolve(baseDir, given);
  const stat = statOrUndefined(dir);
  if (!stat) c.fail(at, `directory not found: ${dir}`);
  if (!stat.isDirectory()) c.fail(at, `not a directory: ${dir}`);
  const problem = systemDirProblem(dir);
  if (problem) c.fail(at, problem);
  const unreadable = unreadableByOthers(dir);
  if (unreadable.length > 0) {
    // A warning, not an error: Docker Desktop's file sharing ignores these bits.
    c.warn(at, `the context's user (not the owner) cannot read ${unreadable.slice(0, 3).join(', ')}${unreadable.length > 3 ? ', ...' : ''}: every invocation would fail (chmod -R o+rX)`);
  }
  return dir;
}

/** The directory, or entries directly in it, that users other than the owner cannot read (or enter). */
function unreadableByOthers(dir: string): string[] {
  const mode = statOrUndefined(dir)?.mode ?? 0o755;
  if ((mode & 0o005) !== 0o005) return [dir];
  const out: string[] = [];
  for (const entry of safe(() => fs.readdirSync(dir), [] as string[])) {
    const st = statOrUndefined(path.join(dir, entry));
    if (!st) continue;
    const need = st.isDirectory() ? 0o005 : 0o004;
    if ((st.mode & need) !== need) out.push(path.join(dir, entry));
  }
  return out;
}

/** Directories resolve against baseDir; `provided` runtimes need an executable `bootstrap` in the code. */
export function dirChecks(baseDir: string): DirChecks {
  return {
    code(c: Checker, code: string, at: KeyPath, runtime: RuntimeName): string {
      const dir = directory(c, baseDir, code, at);
      if (runtimeFamily(runtime) === 'provided') {
        const bootstrap = path.join(dir, 'bootstrap');
        const b = statOrUndefined(bootstrap);
        if (!b || !b.isFile()) c.fail(at, `runtime ${runtime} needs an executable file named bootstrap: ${bootstrap} not found`);
        if ((b.mode & 0o111) === 0) c.fail(at, `runtime ${runtime} needs an executable bootstrap: ${bootstrap} is not executable (chmod +x)`);
      }
      return dir;
    },
    layer: (c: Checker, dir: string, at: KeyPath): string => directory(c, baseDir, dir, at),
  };
}

function statOrUndefined(p: string): fs.Stats | undefined {
  return safe(() => fs.statSync(p), undefined);
}
