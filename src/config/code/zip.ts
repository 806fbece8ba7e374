/**
 * A .zip of code (a SAM CodeUri or a layer's ContentUri), read by its central directory first:
 * the entries, their declared sizes and kinds, before a byte is extracted. Extraction is
 * asynchronous and checks each entry's data against the size the directory declared (yauzl's
 * validateEntrySizes), so a zip that lies about its sizes stops there instead of filling the disk.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Not Lambda's: bounds the files one extraction creates (a zip of a million empty files). */
export const MAX_ZIP_ENTRIES = 200_000;

export interface ZipEntry {
  /** Relative path inside the zip, `/`-separated, without a trailing slash. */
  name: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Declared uncompressed size. */
  size: number;
  /** Unix permission bits when the zip was made on Unix; undefined otherwise. */
  mode?: number;
}

export interface ZipListing {
  entries: ZipEntry[];
  /** Sum of the declared uncompressed sizes. */
  unzippedBytes: number;
}

/** What makes a zip unusable as code: its message says why, for a config error. */
export class ZipProblem extends Error {}

function open(file: string, validateEntrySizes: boolean): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes }, (err, zip) => {
      if (err) reject(new ZipProblem(`cannot read ${file} as a zip: ${err.message}`));
      else resolve(zip);
    });
  });
}

/** Calls `onEntry` for each entry of the central directory, in order, one at a time. */
function eachEntry(zip: yauzl.ZipFile, file: string, onEntry: (entry: yauzl.Entry) => Promise<void> | void): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on('error', (err: Error) => {
      // yauzl refuses absolute names and `..` components as it decodes the entry.
      const escapes = /absolute path|invalid relative path/.test(err.message);
      reject(
        err instanceof ZipProblem
          ? err
          : new ZipProblem(`${file}: ${escapes ? `an entry escapes the folder (${err.message})` : err.message}`),
      );
    });
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      Promise.resolve()
        .then(() => onEntry(entry))
        .then(
          () => zip.readEntry(),
          (err: Error) => {
            zip.close();
            reject(err);
          },
        );
    });
    zip.readEntry();
  });
}

const S_IFMT = 0o170000;

function entryOf(entry: yauzl.Entry): ZipEntry {
  const unix = entry.versionMadeBy >> 8 === 3;
  const attrs = unix ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
  const type = attrs & S_IFMT;
  const name = entry.fileName.replace(/\/+$/, '');
  const kind = entry.fileName.endsWith('/') || type === 0o040000 ? 'dir' : type === 0o120000 ? 'symlink' : 'file';
  return { name, kind, size: entry.uncompressedSize, mode: unix && attrs !== 0 ? attrs & 0o7777 : undefined };
}

/**
 * The zip's entries from its central directory (no data read). Refuses, with a ZipProblem, more
 * than `maxBytes` declared unzipped, more than MAX_ZIP_ENTRIES entries, encrypted entries and any
 * entry that would land outside the folder: an absolute name, a `..`, or a path through a symlink
 * of the zip.
 */
export async function readZipListing(file: string, maxBytes: number, limitName: string): Promise<ZipListing> {
  const zip = await open(file, false);
  try {
    if (zip.entryCount > MAX_ZIP_ENTRIES)
      throw new ZipProblem(`${file} has ${zip.entryCount} entries, more than the ${MAX_ZIP_ENTRIES} allowed`);
    const entries: ZipEntry[] = [];
    const symlinks = new Set<string>();
    let unzippedBytes = 0;
    await eachEntry(zip, file, (raw) => {
      if (raw.isEncrypted()) throw new ZipProblem(`${file}: ${raw.fileName} is encrypted`);
      const entry = entryOf(raw);
      if (entry.name === '') return;
      const parts = entry.name.split('/');
      for (let n = 1; n < parts.length; n++) {
        const parent = parts.slice(0, n).join('/');
        if (symlinks.has(parent))
          throw new ZipProblem(`${file}: ${entry.name} is inside ${parent}, a symlink of the zip: it would be written outside the folder`);
      }
      if (entry.kind === 'symlink') symlinks.add(entry.name);
      unzippedBytes += entry.size;
      if (unzippedBytes > maxBytes) {
        throw new ZipProblem(`${file} unzips to more than ${mb(maxBytes)} (${limitName}); refused before extracting anything`);
      }
      entries.push(entry);
    });
    return { entries, unzippedBytes };
  } finally {
    zip.close();
  }
}

export function mb(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** A symlink's target is its entry's data; anything longer than a path is no symlink. */
const MAX_SYMLINK_TARGET = 4096;

/**
 * Extracts a zip read by readZipListing into `dir` (which exists): directories and files first,
 * symlinks last, so that nothing is ever written through one. Each file's data must match its
 * declared size, and all of them together stay within `maxBytes`.
 */
export async function extractZip(file: string, dir: string, maxBytes: number): Promise<void> {
  const zip = await open(file, true);
  const links: { dest: string; target: string }[] = [];
  let written = 0;
  try {
    if (zip.entryCount > MAX_ZIP_ENTRIES)
      throw new ZipProblem(`${file} has ${zip.entryCount} entries, more than the ${MAX_ZIP_ENTRIES} allowed`);
    await eachEntry(zip, file, async (raw) => {
      const entry = entryOf(raw);
      if (entry.name === '') return;
      // The zip may have changed since it was listed: the limit holds for what is extracted too.
      written += entry.size;
      if (written > maxBytes) throw new ZipProblem(`${file} unzips to more than ${mb(maxBytes)}; extraction stopped`);
      const dest = path.join(dir, ...entry.name.split('/'));
      if (entry.kind === 'dir') {
        await fsp.mkdir(dest, { recursive: true });
        return;
      }
      const stream = await openStream(zip, raw);
      if (entry.kind === 'symlink') {
        if (entry.size > MAX_SYMLINK_TARGET) throw new ZipProblem(`${file}: the symlink ${entry.name} is ${entry.size} bytes long`);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        links.push({ dest, target: Buffer.concat(chunks).toString('utf8') });
        return;
      }
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.rm(dest, { recursive: true, force: true }); // a later entry of one name replaces the earlier
      await pipeline(stream, createWriteStream(dest, { mode: (entry.mode ?? 0o644) & 0o777 }));
    });
    for (const link of links) {
      await fsp.mkdir(path.dirname(link.dest), { recursive: true });
      await fsp.rm(link.dest, { recursive: true, force: true });
      await fsp.symlink(link.target, link.dest);
    }
  } finally {
    zip.close();
  }
}

function openStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) reject(new ZipProblem(`${entry.fileName}: ${err.message}`));
      else resolve(stream);
    });
  });
}
