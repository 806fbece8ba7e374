/**
 * The asynchronous half of loading a function's code, run before it is served: its code and
 * layers measured against Lambda's 250 MB (a zip by its central directory, a folder by its
 * apparent size) before anything is extracted or a layer copied, then its zips extracted, then
 * the cache trimmed. Errors name the file, line and key the code was given at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MAX_UNZIPPED_CODE_BYTES } from '../../lambda-limits';
import { runtimeFamily, type FunctionConfig } from '../types';
import { codeCacheDir, evictCache, fillEntry } from './cache';
import { systemDirProblem } from './folders';
import { type CodeRefusals, pendingZip, refusalsOf } from './pending';
import { apparentSize } from './size';
import { extractZip, mb, readZipListing, ZipProblem } from './zip';

export const CODE_LIMIT_NAME = "Lambda's limit of 250 MB unzipped for a function's code and all its layers";

export interface PrepareOptions {
  /** The engine's DockerRootDir: nothing under it may be code. */
  dockerRootDir?: string;
  /** The extraction cache; the temp dir's by default. */
  cacheDir?: string;
  /** Tests lower it; Lambda's 250 MB otherwise. */
  limitBytes?: number;
}

/** Cache entries each function (by name) was last prepared with: what the current load uses. */
const inUse = new Map<string, string[]>();
const extracting = new Map<string, Promise<void>>();

/** Measures, extracts and checks the code of these functions; throws (a ConfigError when loaded from a file) on the first refusal. */
export async function prepareCode(fns: Iterable<FunctionConfig>, opts: PrepareOptions = {}): Promise<void> {
  for (const fn of fns) {
    await prepareFunction(fn, opts);
    inUse.set(fn.name, [fn.codeDir, ...fn.layers]);
  }
  await evictCache([...inUse.values()].flat(), opts.cacheDir ?? codeCacheDir());
}

interface Source {
  dir: string;
  label: string;
  refuse: (problem: string) => never;
}

async function prepareFunction(fn: FunctionConfig, opts: PrepareOptions): Promise<void> {
  const refusals = refusalsOf(fn);
  const limit = opts.limitBytes ?? MAX_UNZIPPED_CODE_BYTES;
  const sources: Source[] = [
    { dir: fn.codeDir, label: 'code', refuse: (p) => refusals.code(p) },
    ...fn.layers.map((dir, i) => ({ dir, label: `layer ${i + 1}`, refuse: (p: string): never => refusals.layer(i, p) })),
  ];
  const parts: string[] = [];
  let total = 0;
  for (const s of sources) {
    const zip = pendingZip(s.dir);
    if (!zip && opts.dockerRootDir) {
      const problem = systemDirProblem(s.dir, opts.dockerRootDir);
      if (problem) s.refuse(problem);
    }
    const bytes = zip ? await zipBytes(zip, limit, s) : await apparentSize(s.dir, limit - total);
    total += bytes;
    parts.push(`${s.label}${zip ? ` (${path.basename(zip)})` : ''} ${total > limit && !zip ? 'at least ' : ''}${mb(bytes)}`);
    if (total > limit) {
      refusals.code(
        `function ${fn.name}: its code and layers take more than ${mb(limit)} (${parts.join(', ')}): over ${CODE_LIMIT_NAME}; nothing was extracted or copied`,
      );
    }
  }
  for (const s of sources) {
    const zip = pendingZip(s.dir);
    if (zip) await extractOnce(s, zip, limit);
  }
  if (runtimeFamily(fn.runtime) === 'provided') bootstrapCheck(fn, refusals);
}

async function zipBytes(zip: string, limit: number, s: Source): Promise<number> {
  try {
    return (await readZipListing(zip, limit, CODE_LIMIT_NAME)).unzippedBytes;
  } catch (err) {
    if (err instanceof ZipProblem) s.refuse(err.message);
    throw err;
  }
}

/** One extraction per cache entry at a time in this process; another process's is awaited by the rename. */
async function extractOnce(s: Source, zip: string, limit: number): Promise<void> {
  let running = extracting.get(s.dir);
  if (!running) {
    running = fillEntry(s.dir, async (tmp) => {
      await extractZip(zip, tmp, limit);
      return apparentSize(tmp);
    }).finally(() => extracting.delete(s.dir));
    extracting.set(s.dir, running);
  }
  try {
    await running;
  } catch (err) {
    if (err instanceof ZipProblem) s.refuse(err.message);
    s.refuse(`cannot extract ${zip}: ${(err as Error).message}`);
  }
}

/** As validation does for a folder (src/config/dirs.ts), once a zip's code is extracted. */
function bootstrapCheck(fn: FunctionConfig, refusals: CodeRefusals): void {
  const bootstrap = path.join(fn.codeDir, 'bootstrap');
  const st = fs.statSync(bootstrap, { throwIfNoEntry: false });
  if (!st || !st.isFile()) refusals.code(`runtime ${fn.runtime} needs an executable file named bootstrap: ${bootstrap} not found`);
  if ((st.mode & 0o111) === 0)
    refusals.code(`runtime ${fn.runtime} needs an executable bootstrap: ${bootstrap} is not executable (chmod +x)`);
}
