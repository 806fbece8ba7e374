/**
 * What the load (synchronous) leaves for prepareCode (asynchronous): the .zip files whose cache
 * entries are still to be extracted, and for each function how to refuse its code or a layer
 * with the file, line and key where it was written.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionConfig } from '../types';
import { codeCacheDir, isComplete } from './cache';

/** Cache entry folder -> the .zip it is extracted from. */
const zips = new Map<string, string>();

/**
 * The cache folder a .zip of code is (or will be) extracted to, without reading the zip: keyed by
 * its real path, size, mtime and inode, so that a rebuilt zip gets a new entry.
 */
export function zipCodeDir(file: string, cacheDir = codeCacheDir()): string {
  const realFile = fs.realpathSync(file);
  const st = fs.statSync(realFile);
  const key = createHash('sha256')
    .update(JSON.stringify([realFile, st.size, st.mtimeMs, st.ino]))
    .digest('hex')
    .slice(0, 20);
  const dir = path.join(cacheDir, `zip-${key}`);
  zips.set(dir, realFile);
  return dir;
}

/** The .zip a code folder comes from, when it is a zip's cache entry. */
export function zipOf(dir: string): string | undefined {
  return zips.get(dir);
}

/** The .zip still to be extracted into `dir`; undefined when `dir` is whole or no zip's. */
export function pendingZip(dir: string): string | undefined {
  const zip = zips.get(dir);
  return zip !== undefined && !isComplete(dir) ? zip : undefined;
}

/** Refusals at the key where the function's code (or its layer number `index`) was written. */
export interface CodeRefusals {
  code(problem: string): never;
  layer(index: number, problem: string): never;
}

const refusals = new WeakMap<FunctionConfig, CodeRefusals>();

export function recordRefusals(fn: FunctionConfig, r: CodeRefusals): void {
  refusals.set(fn, r);
}

/** The function's refusals; for a configuration built by hand, plain errors naming the function. */
export function refusalsOf(fn: FunctionConfig): CodeRefusals {
  return (
    refusals.get(fn) ?? {
      code: (problem) => {
        throw new Error(`function ${fn.name}: code: ${problem}`);
      },
      layer: (index, problem) => {
        throw new Error(`function ${fn.name}: layers.${index}: ${problem}`);
      },
    }
  );
}
