/**
 * A function's properties as SAM sees them after Globals (samtranslator's globals plugin): the
 * function's own value wins for a scalar, mappings merge key by key, lists concatenate with the
 * Globals' items first. Each value keeps the template path it came from, so that a problem found
 * later names the line where it was written.
 */
import { has, isMapping, KeyPath } from '../checker';
import { intrinsic } from './intrinsics';

export interface Sourced {
  value: unknown;
  path: KeyPath;
}

export class FunctionProperties {
  constructor(
    private readonly local: Record<string, unknown>,
    private readonly localPath: KeyPath,
    private readonly global: Record<string, unknown> = {},
    private readonly globalPath: KeyPath = ['Globals', 'Function'],
  ) {}

  has(key: string): boolean {
    return has(this.local, key) || has(this.global, key);
  }

  /** The function's value, else the Globals' one. */
  get(key: string): Sourced | undefined {
    if (has(this.local, key)) return { value: this.local[key], path: [...this.localPath, key] };
    if (has(this.global, key)) return { value: this.global[key], path: [...this.globalPath, key] };
    return undefined;
  }

  /** A mapping property (or one nested in it: ['Environment', 'Variables']) merged key by key. */
  map(keys: readonly string[]): Map<string, Sourced> {
    const out = new Map<string, Sourced>();
    for (const [obj, base] of [
      [this.global, this.globalPath],
      [this.local, this.localPath],
    ] as const) {
      let node: unknown = obj;
      for (const k of keys) node = isMapping(node) && !intrinsic(node) && has(node, k) ? node[k] : undefined;
      if (isMapping(node) && !intrinsic(node)) {
        for (const [k, v] of Object.entries(node)) out.set(k, { value: v, path: [...base, ...keys, k] });
      } else if (node !== undefined) {
        out.clear(); // an intrinsic or scalar replaces what Globals gave, as SAM does
        out.set('', { value: node, path: [...base, ...keys] });
      }
    }
    return out;
  }

  /** A list property: Globals' items, then the function's. */
  list(key: string): Sourced[] {
    const out: Sourced[] = [];
    for (const [obj, base] of [
      [this.global, this.globalPath],
      [this.local, this.localPath],
    ] as const) {
      const v = has(obj, key) ? obj[key] : undefined;
      if (Array.isArray(v)) v.forEach((item, i) => out.push({ value: item, path: [...base, key, String(i)] }));
      else if (v !== undefined) out.push({ value: v, path: [...base, key] });
    }
    return out;
  }
}
