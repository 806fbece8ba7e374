/**
 * The file-system side of validation: code and layer directories must exist and be folders a
 * user means (src/config/code/folders.ts), readable by the context's user. A template's .zip is
 * checked by its central directory and extracted later, by prepareCode (src/config/code/prepare.ts),
 * which the checks recorded here let name the file, line and key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_ZIPPED_UPLOAD_BYTES } from '../lambda-limits';
import type { Checker, KeyPath } from './checker';
import { systemDirProblem } from './code/folders';
import { pendingZip, recordRefusals, zipOf } from './code/pending';
import { mb } from './code/zip';
import type { DirChecks } from './function';
import { runtimeFamily, RuntimeName } from './runtimes';

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function directory(c: Checker, baseDir: string, given: string, at: KeyPath): string {
  const dir = path.resolve(baseDir, given);
  const zip = zipOf(dir);
  if (zip) {
    const zipped = statOrUndefined(zip)?.size ?? 0;
    if (zipped > MAX_ZIPPED_UPLOAD_BYTES) {
      c.warn(
        at,
        `${zip} is ${mb(zipped)}, over Lambda's limit of ${mb(MAX_ZIPPED_UPLOAD_BYTES)} for a zip uploaded directly: deploy it through S3 (sam deploy does)`,
      );
    }
    if (pendingZip(dir)) return dir; // checked by its central directory before extraction (prepareCode)
  }
  const stat = statOrUndefined(dir);
  if (!stat) c.fail(at, `directory not found: ${dir}`);
  if (!stat.isDirectory()) c.fail(at, `not a directory: ${dir}`);
  const problem = systemDirProblem(dir);
  if (problem) c.fail(at, problem);
  const unreadable = unreadableByOthers(dir);
  if (unreadable.length > 0) {
    // A warning, not an error: Docker Desktop's file sharing ignores these bits.
    c.warn(
      at,
      `the context's user (not the owner) cannot read ${unreadable.slice(0, 3).join(', ')}${unreadable.length > 3 ? ', ...' : ''}: every invocation would fail (chmod -R o+rX)`,
    );
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
      if (runtimeFamily(runtime) === 'provided' && !pendingZip(dir)) {
        const bootstrap = path.join(dir, 'bootstrap');
        const b = statOrUndefined(bootstrap);
        if (!b || !b.isFile()) c.fail(at, `runtime ${runtime} needs an executable file named bootstrap: ${bootstrap} not found`);
        if ((b.mode & 0o111) === 0)
          c.fail(at, `runtime ${runtime} needs an executable bootstrap: ${bootstrap} is not executable (chmod +x)`);
      }
      return dir;
    },
    layer: (c: Checker, dir: string, at: KeyPath): string => directory(c, baseDir, dir, at),
    done(c, fn, at) {
      // Sizes and zips are checked later, asynchronously: these name where the code was written.
      recordRefusals(fn, {
        code: (problem) => c.fail([...at, 'code'], problem),
        layer: (index, problem) => c.fail([...at, 'layers', String(index)], problem),
      });
    },
  };
}

function statOrUndefined(p: string): fs.Stats | undefined {
  return safe(() => fs.statSync(p), undefined);
}
