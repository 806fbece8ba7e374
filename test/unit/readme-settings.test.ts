import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS_TABLE, SETTING_NAMES } from '../../src/config/settings-table';

/** docs/settings.md holds the one table of settings for readers: it must name every setting, its default and whether it is live. */
test('docs/settings.md lists every setting with the default and liveness of the table', () => {
  const page = readFileSync(join(__dirname, '..', '..', 'docs', 'settings.md'), 'utf8');
  const rows = new Map(
    [...page.matchAll(/^\| `(\w+)` \| ([^|]+) \| (yes|no) \|/gm)].map((m) => [m[1], { def: m[2].trim(), live: m[3] === 'yes' }]),
  );
  expect([...rows.keys()].sort()).toEqual([...SETTING_NAMES].sort());
  for (const name of SETTING_NAMES) {
    const spec = SETTINGS_TABLE[name];
    const def = typeof spec.default === 'object' && spec.default !== null ? 'host' : String(spec.default);
    expect({ name, ...rows.get(name) }).toEqual({ name, def, live: spec.live });
  }
});

/** The README links to that table instead of keeping a second copy that could drift. */
test('the README keeps no copy of the settings table', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  expect(readme).not.toMatch(/^\| `(\w+)` \| ([^|]+) \| (yes|no) \|/m);
  expect(readme).toContain('docs/settings.md');
});
