import vm from 'node:vm';
import { runtimeModule } from './runtime-modules';

const { collectInitGarbage } = runtimeModule('init-gc.js');

describe('the collection at the end of the init (init-gc.js)', () => {
  it('collects without exposing gc to the function', () => {
    expect(() => collectInitGarbage()).not.toThrow();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    // The flag is reset: a context the function makes later has no gc either.
    expect(vm.runInNewContext('typeof gc')).toBe('undefined');
  });
});
