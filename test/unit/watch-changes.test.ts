import { classifyChanges, codeFolders } from '../../src/watch/changes';
import { fnConfig } from '../helpers/fake-member';

describe('classifyChanges', () => {
  const fns = [
    fnConfig('a', { codeDir: '/p/fns/a' }),
    fnConfig('a2', { codeDir: '/p/fns/a' }),
    fnConfig('b', { codeDir: '/p/fns/b' }),
    fnConfig('root', { codeDir: '/p' }),
  ];

  it('maps paths to functions.yaml and to every function whose code folder holds them', () => {
    expect(classifyChanges(['/p/fns/a/index.js'], '/p/functions.yaml', fns)).toEqual({ config: false, code: new Set(['a', 'a2', 'root']) });
    expect(classifyChanges(['/p/functions.yaml'], '/p/functions.yaml', fns.slice(0, 3))).toEqual({ config: true, code: new Set() });
    expect(classifyChanges(['/p/fns/bb/x.js', '/elsewhere'], '/p/functions.yaml', fns.slice(0, 3))).toEqual({ config: false, code: new Set() });
  });

  it('watches each folder once and none inside another', () => {
    expect(codeFolders(fns)).toEqual(['/p']);
    expect(codeFolders(fns.slice(0, 3))).toEqual(['/p/fns/a', '/p/fns/b']);
  });
});
