import { diffConfigs } from '../../src/config/diff';
import { DEFAULT_SETTINGS } from '../../src/config/settings-table';
import type { ProjectConfig, Settings } from '../../src/config/types';
import { fnConfig } from '../helpers/fake-member';

const settings: Settings = DEFAULT_SETTINGS;

function project(fns: ReturnType<typeof fnConfig>[], s: Partial<Settings> = {}): ProjectConfig {
  return { file: '/p/functions.yaml', settings: { ...settings, ...s }, functions: new Map(fns.map((f) => [f.name, f])), warnings: [] };
}

describe('diffConfigs', () => {
  it('finds added, removed and changed functions', () => {
    const d = diffConfigs(
      project([fnConfig('same'), fnConfig('mem'), fnConfig('gone')]),
      project([fnConfig('same'), fnConfig('mem', { memorySize: 256 }), fnConfig('new')]),
    );
    expect(d).toMatchObject({ added: ['new'], removed: ['gone'], changed: ['mem'], liveSettings: [], restartSettings: [] });
  });

  it('counts a code change of an unchanged configuration, and ignores environment key order', () => {
    const d = diffConfigs(
      project([fnConfig('f', { environment: { A: '1', B: '2' } }), fnConfig('g')]),
      project([fnConfig('f', { environment: { B: '2', A: '1' } }), fnConfig('g')]),
      ['g', 'not-a-function'],
    );
    expect(d.changed).toEqual(['g']);
  });

  it('sees environment, timeout and reservedConcurrency edits as changes', () => {
    for (const extra of [{ environment: { X: 'y' } }, { timeout: 9 }, { reservedConcurrency: 2 }, { handler: 'other.handler' }]) {
      expect(diffConfigs(project([fnConfig('f')]), project([fnConfig('f', extra)])).changed).toEqual(['f']);
    }
  });

  it('splits settings into applied-now and restart-needed', () => {
    const d = diffConfigs(
      project([]),
      project([], {
        idleTimeout: 5,
        memoryBudget: 1024,
        region: 'eu-west-1',
        baseImages: { ...settings.baseImages, 'nodejs20.x': 'node:20' },
      }),
    );
    expect(d.liveSettings.sort()).toEqual(['idleTimeout', 'memoryBudget']);
    expect(d.restartSettings.sort()).toEqual(['baseImages', 'region']);
  });
});
