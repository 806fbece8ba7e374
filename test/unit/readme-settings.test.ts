import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS_TABLE, SETTING_NAMES } from '../../src/config/settings-table';

/** The README's settings table is a copy for readers: it must name every setting, its default and whether it is live. */
test('the README lists every setting with the default and liveness of the table', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const rows = new Map(
    [...readme.matchAll(/^\| `(\w+)` \| ([^|]+) \| (yes|no) \|/gm)].map((m) => [m[1], { def: m[2].trim(), live: m[3] === 'yes' }]),
  );
  expect([...rows.keys()].sort()).toEqual([...SETTING_NAMES].sort());
  for (const name of SETTING_NAMES) {
    const spec = SETTINGS_TABLE[name];
    const def = typeof spec.default === 'object' && spec.default !== null ? 'host' : String(spec.default);
    expect({ name, ...rows.get(name) }).toEqual({ name, def, live: spec.live });
  }
});
