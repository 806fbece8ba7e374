/**
 * Where a template's code is: a local directory (relative to the template), a local .zip extracted
 * once into a cache keyed by its content, or inline code written to a cached index.js / index.py
 * (as Lambda does with ZipFile). S3 locations and images cannot be had locally.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runtimeFamily, RuntimeName } from '../runtimes';

export type CodeLocation = { dir: string } | { unsupported: string };

/** Cache folder for extracted and inline code; world-readable, as the context's user must read it. */
export function samCacheDir(): string {
  return path.join(os.tmpdir(), 'orchestrator-sam-cache');
}

function cacheEntry(key: string, fill: (dir: string) => void): string {
  const dir = path.join(samCacheDir(), key);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  fs.mkdirSync(samCacheDir(), { recursive: true, mode: 0o755 });
  const tmp = fs.mkdtempSync(path.join(samCacheDir(), `.${key}-`));
  try {
    fill(tmp);
    fs.writeFileSync(path.join(tmp, '.complete'), '');
    makeReadable(tmp);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir); // atomic: two loads never see half an entry
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (fs.existsSync(path.join(dir, '.complete'))) return dir; // another load won the race
    throw err;
  }
  return dir;
}

/** Directories 0755, files at least 0644, executables 0755: the context's user is not the owner. */
function makeReadable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeReadable(p);
    else if (entry.isFile()) {
      const mode = fs.statSync(p).mode;
      fs.chmodSync(p, mode | 0o644 | (mode & 0o111 ? 0o111 : 0));
    }
  }
}

const hash = (...parts: (string | Buffer)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 20);
};

/** Inline code (SAM InlineCode, CloudFormation Code.ZipFile): index.js for Node.js, index.py for Python. */
export function inlineCode(code: string, runtime: RuntimeName): CodeLocation {
  const family = runtimeFamily(runtime);
  if (family === 'provided') return { unsupported: `inline code needs a Node.js or Python runtime (got ${runtime})` };
  const file = family === 'nodejs' ? 'index.js' : 'index.py';
  return { dir: cacheEntry(`inline-${hash(file, code)}`, (dir) => fs.writeFileSync(path.join(dir, file), code)) };
}

/** A CodeUri / ContentUri / Code string: a directory or a .zip, relative to the template; s3:// is not local. */
export function localCode(uri: string, baseDir: string): CodeLocation {
  if (/^s3:\/\//i.test(uri)) return { unsupported: `${uri} is in S3; give a local directory (or run sam build)` };
  const p = path.resolve(baseDir, uri);
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (stat?.isFile() && /\.(zip|jar)$/i.test(p)) return extractZip(p);
  return { dir: p }; // validation reports a missing directory with its line
}

function extractZip(file: string): CodeLocation {
  const bytes = fs.readFileSync(file);
  try {
    return { dir: cacheEntry(`zip-${hash(bytes)}`, (dir) => execFileSync('unzip', ['-q', '-o', file, '-d', dir], { stdio: 'pipe' })) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = e.code === 'ENOENT' ? 'the `unzip` command is not installed' : (e.stderr?.toString().trim() || e.message);
    return { unsupported: `cannot extract ${file}: ${why}` };
  }
}
