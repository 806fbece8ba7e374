import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeLayers } from '../../src/images/layers';

describe('mergeLayers: layer directories merged as Lambda extracts them into /opt', () => {
  let work: string;
  let cache: string;

  beforeEach(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'layers-test-'));
    cache = path.join(work, 'cache');
  });
  afterEach(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  /** Writes files (path -> content, or [content, mode]) under a new layer directory. */
  async function layer(name: string, files: Record<string, string | [string, number]>): Promise<string> {
    const root = path.join(work, name);
    await fs.mkdir(root, { recursive: true });
    for (const [rel, spec] of Object.entries(files)) {
      const [content, mode] = Array.isArray(spec) ? spec : [spec, 0o644];
      await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await fs.writeFile(path.join(root, rel), content);
      await fs.chmod(path.join(root, rel), mode);
    }
    return root;
  }

  const read = (dir: string, rel: string) => fs.readFile(path.join(dir, rel), 'utf8');

  it('no layers: nothing to mount', async () => {
    expect(await mergeLayers([], cache)).toBeUndefined();
  });

  it("later layers win per file; every layer's other files and folders are there", async () => {
    const a = await layer('a', { 'nodejs/node_modules/lib/index.js': 'a', 'bin/tool': ['a-tool', 0o755], 'shared.txt': 'from a' });
    const b = await layer('b', { 'nodejs/node_modules/other/index.js': 'b', 'shared.txt': 'from b' });
    const merged = (await mergeLayers([a, b], cache))!;
    expect(await read(merged.dir, 'shared.txt')).toBe('from b');
    expect(await read(merged.dir, 'nodejs/node_modules/lib/index.js')).toBe('a');
    expect(await read(merged.dir, 'nodejs/node_modules/other/index.js')).toBe('b');
    const reversed = (await mergeLayers([b, a], cache))!;
    expect(await read(reversed.dir, 'shared.txt')).toBe('from a');
    expect(reversed.dir).not.toBe(merged.dir);
  });

  it('keeps executable bits, links files where it can, and keeps symlinks as symlinks', async () => {
    const a = await layer('a', { 'extensions/log-extension': ['#!/bin/sh\n', 0o755], 'lib/libx.so.1': 'elf' });
    await fs.symlink('libx.so.1', path.join(a, 'lib/libx.so'));
    const merged = (await mergeLayers([a], cache))!;
    const ext = await fs.stat(path.join(merged.dir, 'extensions/log-extension'));
    expect(ext.mode & 0o777).toBe(0o755);
    expect(ext.ino).toBe((await fs.stat(path.join(a, 'extensions/log-extension'))).ino); // a hard link: same filesystem
    expect(await fs.readlink(path.join(merged.dir, 'lib/libx.so'))).toBe('libx.so.1');
    expect(await read(merged.dir, 'lib/libx.so')).toBe('elf');
    expect((await fs.stat(merged.dir)).mode & 0o777).toBe(0o755);
  });

  it('copies, with the mode, across filesystems', async () => {
    const shm = '/dev/shm';
    const dev = (p: string) => fs.stat(p).then((s) => s.dev);
    const canTry = await fs.access(shm).then(
      async () => (await dev(shm)) !== (await dev(work)),
      () => false,
    );
    if (!canTry) return; // no second filesystem here
    const other = await fs.mkdtemp(path.join(shm, 'layer-'));
    try {
      await fs.mkdir(path.join(other, 'bin'));
      await fs.writeFile(path.join(other, 'bin/run'), 'x');
      await fs.chmod(path.join(other, 'bin/run'), 0o750);
      const merged = (await mergeLayers([other], cache))!;
      const st = await fs.stat(path.join(merged.dir, 'bin/run'));
      expect(st.mode & 0o777).toBe(0o750);
      expect(st.ino).not.toBe((await fs.stat(path.join(other, 'bin/run'))).ino);
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
  });

  it('lists the executables directly in extensions/ (the external extensions)', async () => {
    const a = await layer('a', {
      'extensions/one': ['x', 0o755],
      'extensions/notes.txt': 'not executable',
      'extensions/lib/helper': ['x', 0o755],
    });
    const b = await layer('b', { 'extensions/two': ['x', 0o700] });
    const merged = (await mergeLayers([a, b], cache))!;
    expect(merged.extensions).toEqual(['one', 'two']);
  });

  it("a later layer's file replaces an earlier folder of the same name, and the other way round", async () => {
    const a = await layer('a', { 'python/pkg/__init__.py': '', config: 'file in a' });
    const b = await layer('b', { 'python/pkg': 'now a file', 'config/settings.json': '{}' });
    const merged = (await mergeLayers([a, b], cache))!;
    expect(await read(merged.dir, 'python/pkg')).toBe('now a file');
    expect(await read(merged.dir, 'config/settings.json')).toBe('{}');
  });

  it('is built once and reused until a layer changes', async () => {
    const a = await layer('a', { 'bin/x': 'v1' });
    const first = (await mergeLayers([a], cache))!;
    const marker = (await fs.stat(first.dir)).ino;
    const again = (await mergeLayers([a], cache))!;
    expect(again.dir).toBe(first.dir);
    expect((await fs.stat(again.dir)).ino).toBe(marker);
    await fs.rm(path.join(a, 'bin/x'));
    await fs.writeFile(path.join(a, 'bin/x'), 'version 2'); // a new file: another size and mtime
    const changed = (await mergeLayers([a], cache))!;
    expect(changed.dir).not.toBe(first.dir);
    expect(await read(changed.dir, 'bin/x')).toBe('version 2');
    expect(await read(first.dir, 'bin/x')).toBe('v1'); // contexts still using the old one keep it
    expect((await fs.readdir(cache)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('concurrent builds of the same layers agree on one directory', async () => {
    const a = await layer('a', { 'bin/x': 'v1', 'lib/y': 'y' });
    const results = await Promise.all([mergeLayers([a], cache), mergeLayers([a], cache), mergeLayers([a], cache)]);
    expect(new Set(results.map((r) => r!.dir)).size).toBe(1);
    expect(await read(results[0]!.dir, 'lib/y')).toBe('y');
  });

  it('a layer that is not a directory is a clear error', async () => {
    await expect(mergeLayers([path.join(work, 'missing')], cache)).rejects.toThrow(/layer .*missing is not a directory/);
  });
});
