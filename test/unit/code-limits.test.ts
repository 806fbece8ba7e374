import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { evictCache } from '../../src/config/code/cache';
import { prepareCode } from '../../src/config/code/prepare';
import { apparentSize } from '../../src/config/code/size';
import { loadConfigFile } from '../../src/config/load';
import { ConfigError } from '../../src/errors';
import { mergeLayers } from '../../src/images/layers';
import { MAX_UNZIPPED_CODE_BYTES } from '../../src/lambda-limits';

const MB = 1024 * 1024;
const HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-limits-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** A file of `bytes` zeros that takes no disk blocks. */
function sparse(name: string, bytes: number): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
  return file;
}

const lineOf = (file: string, text: string): number =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

function template(codeUri: string, extra = ''): string {
  return write(
    'template.yaml',
    `${HEAD}Resources:${extra}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ${codeUri}\n      Runtime: nodejs24.x\n      Handler: index.handler\n`,
  );
}

async function refusal(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof ConfigError) return err;
  throw new Error(`expected a ConfigError, got ${String(err)}`);
}

/** A zip of stored entries written byte by byte: names and sizes exactly as given, as no zip tool would. */
function handmadeZip(file: string, entries: { name: string; data: string; mode?: number; declaredSize?: number }[]): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.from(e.data);
    const name = Buffer.from(e.name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(e.declaredSize ?? data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made on Unix: the high half of the attributes is the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(e.declaredSize ?? data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...locals, cd, end]));
  return file;
}

describe("a .zip CodeUri is held to Lambda's 250 MB by its central directory, before extraction", () => {
  test('300 MB of zeros (a small zip) is refused with the template line and key, and nothing is extracted', async () => {
    sparse('big/zeros.bin', 300 * MB);
    execFileSync('zip', ['-q', '-r', path.join(dir, 'big.zip'), '.'], { cwd: path.join(dir, 'big') });
    expect(fs.statSync(path.join(dir, 'big.zip')).size).toBeLessThan(5 * MB);
    const file = template('big.zip');
    const cfg = loadConfigFile(file); // the load itself reads nothing of the zip
    const fn = cfg.functions.get('Fn')!;
    const err = await refusal(prepareCode([fn]));
    expect(err.file).toBe(file);
    expect(err.line).toBe(lineOf(file, 'CodeUri'));
    expect(err.key).toBe('Resources.Fn.Properties.CodeUri');
    expect(err.problem).toMatch(
      /big\.zip unzips to more than 250 MB \(Lambda's limit of 250 MB unzipped for a function's code and all its layers\); refused before extracting anything/,
    );
    expect(fs.existsSync(fn.codeDir)).toBe(false);
    const partial = fs.readdirSync(path.dirname(fn.codeDir)).filter((n) => n.startsWith(`.${path.basename(fn.codeDir)}-`));
    expect(partial).toEqual([]);
  });

  test('an entry escaping the folder, and one written through a symlink of the zip, are refused', async () => {
    handmadeZip(path.join(dir, 'escape.zip'), [
      { name: 'index.mjs', data: 'export const handler = async () => 1;' },
      { name: '../outside.txt', data: 'x' },
    ]);
    let fn = loadConfigFile(template('escape.zip')).functions.get('Fn')!;
    expect((await refusal(prepareCode([fn]))).problem).toMatch(/escapes the folder/);
    expect(fs.existsSync(path.join(dir, 'outside.txt'))).toBe(false);

    handmadeZip(path.join(dir, 'through.zip'), [
      { name: 'link', data: dir, mode: 0o120777 },
      { name: 'link/planted.txt', data: 'x' },
    ]);
    fn = loadConfigFile(template('through.zip')).functions.get('Fn')!;
    expect((await refusal(prepareCode([fn]))).problem).toMatch(/link\/planted\.txt is inside link, a symlink of the zip/);
    expect(fs.existsSync(path.join(dir, 'planted.txt'))).toBe(false);
  });

  test('an entry whose data is longer than its declared size stops the extraction', async () => {
    handmadeZip(path.join(dir, 'liar.zip'), [{ name: 'index.mjs', data: 'x'.repeat(4096), declaredSize: 10 }]);
    const fn = loadConfigFile(template('liar.zip')).functions.get('Fn')!;
    const err = await refusal(prepareCode([fn]));
    expect(err.key).toBe('Resources.Fn.Properties.CodeUri');
    expect(fs.existsSync(fn.codeDir)).toBe(false);
  });

  test('a zip within the limit is extracted readable, modes and symlinks kept', async () => {
    handmadeZip(path.join(dir, 'ok.zip'), [
      { name: 'lib/', data: '', mode: 0o040755 },
      { name: 'index.mjs', data: 'export const handler = async () => 1;', mode: 0o100600 },
      { name: 'bin/tool', data: '#!/bin/sh\n', mode: 0o100700 },
      { name: 'lib/alias.mjs', data: '../index.mjs', mode: 0o120777 },
    ]);
    const fn = loadConfigFile(template('ok.zip')).functions.get('Fn')!;
    await prepareCode([fn]);
    expect(fs.statSync(path.join(fn.codeDir, 'index.mjs')).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.join(fn.codeDir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(fn.codeDir, 'lib/alias.mjs'))).toBe('../index.mjs');
    await prepareCode([fn]); // a second load finds it extracted
    expect(fs.readFileSync(path.join(fn.codeDir, 'lib/alias.mjs'), 'utf8')).toContain('handler');
  });
});

describe('a code folder and its layers are measured (apparent sizes) before a layer is copied', () => {
  const functionsYaml = () =>
    write('functions.yaml', 'functions:\n  hello:\n    handler: index.handler\n    code: ./code\n    layers:\n      - ./layer\n');

  test('a layer with a 3 GB sparse file: refused with the function, file, line and key; mergeLayers copies nothing', async () => {
    write('code/index.mjs', 'export const handler = async () => 1;\n');
    sparse('layer/big.bin', 3 * 1024 * MB);
    expect(await apparentSize(path.join(dir, 'layer'))).toBe(3 * 1024 * MB);
    const file = functionsYaml();
    const fn = loadConfigFile(file).functions.get('hello')!;
    const err = await refusal(prepareCode([fn]));
    expect(err.file).toBe(file);
    expect(err.line).toBe(lineOf(file, 'code:'));
    expect(err.key).toBe('functions.hello.code');
    expect(err.problem).toMatch(
      /^function hello: its code and layers take more than 250 MB \(code .*, layer 1 at least .* MB\): over Lambda's limit/,
    );

    const cache = path.join(dir, 'layer-cache');
    await expect(mergeLayers(fn.layers, cache)).rejects.toThrow(/take 3072 MB .*over Lambda's limit of 250 MB unzipped .*not copied/);
    expect(fs.existsSync(cache) ? fs.readdirSync(cache) : []).toEqual([]);
  });

  test('code and layers within the limit pass', async () => {
    write('code/index.mjs', 'export const handler = async () => 1;\n');
    sparse('layer/data.bin', MAX_UNZIPPED_CODE_BYTES - 1024);
    await prepareCode([loadConfigFile(functionsYaml()).functions.get('hello')!]);
  });
});

describe('the extraction cache is bounded', () => {
  function entry(name: string, bytes: number, usedSecondsAgo: number): string {
    const d = path.join(dir, 'cache', name);
    fs.mkdirSync(d, { recursive: true });
    const marker = path.join(d, '.complete');
    fs.writeFileSync(marker, JSON.stringify({ bytes }));
    const t = new Date(Date.now() - usedSecondsAgo * 1000);
    fs.utimesSync(marker, t, t);
    return d;
  }

  test('entries in use stay; the least recently used others go past the bounds; stale partial fills are removed', async () => {
    const cache = path.join(dir, 'cache');
    const old = entry('zip-old', 10, 300);
    const older = entry('zip-older', 10, 400);
    const inUse = entry('zip-in-use', 10, 500);
    const recent = entry('zip-recent', 10, 100);
    const partial = path.join(cache, '.zip-x-abc');
    fs.mkdirSync(partial);
    const hourAgo = new Date(Date.now() - 2 * 3600 * 1000);
    fs.utimesSync(partial, hourAgo, hourAgo);
    const removed = await evictCache([inUse], cache, { maxEntries: 2, maxBytes: 1024 });
    expect(removed.sort()).toEqual([older, old, partial].sort());
    expect(fs.readdirSync(cache).sort()).toEqual(['zip-in-use', 'zip-recent']);
    expect(fs.existsSync(recent)).toBe(true);
    // Over the byte bound, the unused one goes even within the entry bound.
    entry('zip-huge', 4096, 50);
    expect(await evictCache([inUse], cache, { maxEntries: 10, maxBytes: 1024 })).toEqual([
      path.join(cache, 'zip-recent'),
      path.join(cache, 'zip-huge'),
    ]);
  });
});
