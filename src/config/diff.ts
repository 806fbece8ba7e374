import { LIVE_SETTINGS } from './settings-table';
import type { FunctionConfig, ProjectConfig, Settings } from './types';

export { LIVE_SETTINGS };

/** What a reload of functions.yaml (or a code change) means for the running functions. */
export interface ConfigDiff {
  added: string[];
  removed: string[];
  /** Functions whose configuration or code changed: their contexts are replaced. */
  changed: string[];
  /** Settings that changed and are applied now. */
  liveSettings: (keyof Settings)[];
  /** Settings that changed but only take effect when `up` restarts. */
  restartSettings: (keyof Settings)[];
}

/** Pure: compares two validated configurations; `codeChanged` names functions whose code folder changed. */
export function diffConfigs(old: ProjectConfig, next: ProjectConfig, codeChanged: Iterable<string> = []): ConfigDiff {
  const touched = new Set(codeChanged);
  const added: string[] = [];
  const changed: string[] = [];
  for (const [name, fn] of next.functions) {
    const before = old.functions.get(name);
    if (!before) added.push(name);
    else if (touched.has(name) || !sameFunction(before, fn)) changed.push(name);
  }
  const removed = [...old.functions.keys()].filter((name) => !next.functions.has(name));
  const settingsChanged = (Object.keys(next.settings) as (keyof Settings)[]).filter(
    (k) => stableJson(old.settings[k]) !== stableJson(next.settings[k]),
  );
  return {
    added,
    removed,
    changed,
    liveSettings: settingsChanged.filter((k) => LIVE_SETTINGS.has(k)),
    restartSettings: settingsChanged.filter((k) => !LIVE_SETTINGS.has(k)),
  };
}

export function sameFunction(a: FunctionConfig, b: FunctionConfig): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted, so that key order never counts as a change. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}
