/**
 * Where a template's code is: a local directory (relative to the template), a local .zip (its
 * cache entry, extracted asynchronously before the function is served: src/config/code/prepare.ts),
 * or inline code written to a cached index.js / index.py (as Lambda does with ZipFile). S3
 * locations and images cannot be had locally.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inlineEntry } from '../code/cache';
import { zipCodeDir } from '../code/pending';
import { runtimeFamily, RuntimeName } from '../runtimes';

export type CodeLocation = { dir: string } | { unsupported: string };

const hash = (...parts: string[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 20);
};

/** Inline code (SAM InlineCode, CloudFormation Code.ZipFile): index.js for Node.js, index.py for Python. */
export function inlineCode(code: string, runtime: RuntimeName): CodeLocation {
  const family = runtimeFamily(runtime);
  if (family === 'provided') return { unsupported: `inline code needs a Node.js or Python runtime (got ${runtime})` };
  const file = family === 'nodejs' ? 'index.js' : 'index.py';
  return { dir: inlineEntry(`inline-${hash(file, code)}`, file, code) };
}

/** A CodeUri / ContentUri / Code string: a directory or a .zip, relative to the template; s3:// is not local. */
export function localCode(uri: string, baseDir: string): CodeLocation {
  if (/^s3:\/\//i.test(uri)) return { unsupported: `${uri} is in S3; give a local directory (or run sam build)` };
  const p = path.resolve(baseDir, uri);
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (stat?.isFile() && /\.(zip|jar)$/i.test(p)) return { dir: zipCodeDir(p) };
  return { dir: p }; // validation reports a missing directory with its line
}
