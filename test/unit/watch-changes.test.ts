import { classifyChanges, codeFolders } from '../../src/watch/changes';
import { fnConfig } from '../helpers/fake-member';

describe('classifyChanges', () => {
  const fns = [
    fnConfig('a', { codeDir: '/p/fns/a', layers: [] }),
    fnConfig('a2', { codeDir: '/p/fns/a', layers: [] }),
    fnConfig('b', { codeDir: '/p/fns/b', layers: [] }),
    fnConfig('root', { codeDir: '/p', layers: [] }),
  ];

  it('maps paths to functions.yaml and to every function whose code folder holds them', () => {
    expect(classifyChanges(['/p/fns/a/index.js'], '/p/functions.yaml', fns)).toEqual({ config: false, code: new Set(['a', 'a2', 'root']) });
    expect(classifyChanges(['/p/functions.yaml'], '/p/functions.yaml', fns.slice(0, 3))).toEqual({ config: true, code: new Set() });
    expect(classifyChanges(['/p/fns/bb/x.js', '/elsewhere'], '/p/functions.yaml', fns.slice(0, 3))).toEqual({
      config: false,
      code: new Set(),
    });
  });

  it('watches each folder once and none inside another', () => {
    expect(codeFolders(fns)).toEqual(['/p']);
    expect(codeFolders(fns.slice(0, 3))).toEqual(['/p/fns/a', '/p/fns/b']);
  });

  it('a change in a layer folder concerns every function that uses the layer, and layer folders are watched', () => {
    const withLayers = [
      fnConfig('x', { codeDir: '/t/x', layers: ['/t/layers/common', '/t/layers/x'] }),
      fnConfig('y', { codeDir: '/t/y', layers: ['/t/layers/common'] }),
      fnConfig('z', { codeDir: '/t/z', layers: [] }),
    ];
    expect(classifyChanges(['/t/layers/common/nodejs/lib.js'], '/t/template.yaml', withLayers)).toEqual({
      config: false,
      code: new Set(['x', 'y']),
    });
    expect(classifyChanges(['/t/layers/x/bin/tool', '/t/template.yaml'], '/t/template.yaml', withLayers)).toEqual({
      config: true,
      code: new Set(['x']),
    });
    expect(codeFolders(withLayers)).toEqual(['/t/x', '/t/y', '/t/z', '/t/layers/x', '/t/layers/common']);
  });
});
