import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectChange } from '../../src/watch/changes';
import { ProjectWatcher } from '../../src/watch/project-watcher';
import { fnConfig } from '../helpers/fake-member';
import { folderPerTest } from '../helpers/temp-folder';
import { until } from '../helpers/wait';

// Real chokidar on real folders: a symbolic link out of a layer must not be crawled.
describe('ProjectWatcher and symbolic links', () => {
  const tmp = folderPerTest('watch-symlinks-');
  let watcher: ProjectWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
  });

  const start = async (fns: ReturnType<typeof fnConfig>[], maxWatchedPaths?: number) => {
    const changes: ProjectChange[] = [];
    const errors: string[] = [];
    watcher = await ProjectWatcher.start({
      file: tmp.write('functions.yaml', 'functions: {}\n'),
      functions: () => fns,
      onChange: (c) => changes.push(c),
      onError: (err) => errors.push((err as Error).message),
      debounceMs: 20,
      maxWatchedPaths,
    });
    return { changes, errors };
  };
  const codeChanged = (changes: ProjectChange[], name: string) => () => changes.some((c) => c.code.has(name));

  it('a symlink out of a layer folder adds no watches under its target, and the layer still reports changes', async () => {
    for (let i = 0; i < 2000; i++) tmp.write(`outside/f${i}.txt`, 'x');
    const lib = tmp.write('layer/nodejs/lib.js', 'v1');
    tmp.write('fn/index.js', 'x');
    fs.symlinkSync(path.join(tmp.dir, 'outside'), path.join(tmp.dir, 'layer', 'rootdir'));
    const { changes, errors } = await start([fnConfig('f', { codeDir: path.join(tmp.dir, 'fn'), layers: [path.join(tmp.dir, 'layer')] })]);

    const watched = Object.entries(watcher!.getWatched());
    const outside = fs.realpathSync(path.join(tmp.dir, 'outside'));
    expect(watched.filter(([dir]) => dir.startsWith(outside) || dir.includes(`${path.sep}rootdir`))).toEqual([]);
    expect(watched.flatMap(([, entries]) => entries).filter((e) => /^f\d+\.txt$/.test(e))).toEqual([]);
    expect(watcher!.watchedPaths()).toBeLessThan(50);

    fs.writeFileSync(lib, 'v2');
    await until(codeChanged(changes, 'f'));
    expect(errors).toEqual([]);
  });

  it('a code folder that is itself a symlink is watched at its real path and changes map to the function', async () => {
    const real = tmp.write('real-fn/index.js', 'v1');
    fs.symlinkSync(path.join(tmp.dir, 'real-fn'), path.join(tmp.dir, 'fn'));
    const { changes } = await start([fnConfig('linked', { codeDir: path.join(tmp.dir, 'fn'), layers: [] })]);
    expect(Object.keys(watcher!.getWatched())).toContain(fs.realpathSync(path.join(tmp.dir, 'real-fn')));

    fs.writeFileSync(real, 'v2');
    await until(codeChanged(changes, 'linked'));
  });

  it('stops adding watches at the cap with one message naming the folder; what is watched keeps reporting', async () => {
    const first = tmp.write('big/a-first.js', 'v1');
    for (let i = 0; i < 300; i++) tmp.write(`big/more/f${i}.js`, 'x');
    const big = path.join(tmp.dir, 'big');
    const { changes, errors } = await start([fnConfig('big', { codeDir: big, layers: [] })], 50);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('at most 50 paths');
    expect(errors[0]).toContain(big);
    expect(watcher!.watchedPaths()).toBeLessThanOrEqual(60);

    fs.writeFileSync(path.join(big, 'more', 'f299.js'), 'changed'); // not watched: may go unnoticed
    fs.writeFileSync(first, 'v2');
    await until(codeChanged(changes, 'big'));
    expect(errors).toHaveLength(1);
  });
});
