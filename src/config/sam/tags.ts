/**
 * CloudFormation's short-form tags (`!Ref`, `!Sub`, ...) for the yaml package: each is accepted on a
 * scalar, a list or a mapping, and the node keeps its tag; `toCfn` then turns a tagged node into
 * the long form (`{ Ref: x }`, `{ 'Fn::Sub': ... }`) that JSON templates use.
 */
import { Document, isAlias, isMap, isScalar, isSeq, Node, Tags } from 'yaml';
import { KeyPath, setOwn } from '../checker';
import { YamlNodeError } from '../yaml-bounds';
import type { AliasTargets } from '../yaml-file';

const FN_TAGS = [
  'Sub',
  'GetAtt',
  'If',
  'Join',
  'Select',
  'Split',
  'FindInMap',
  'Equals',
  'Not',
  'And',
  'Or',
  'ImportValue',
  'Base64',
  'GetAZs',
  'Cidr',
  'Length',
  'ToJsonString',
  'Transform',
  'ForEach',
];

/** `!Ref` -> `Ref`, `!Condition` -> `Condition`, `!Sub` -> `Fn::Sub`; undefined for other tags. */
export function tagKey(tag: string): string | undefined {
  const name = tag.startsWith('!') ? tag.slice(1) : undefined;
  if (name === 'Ref' || name === 'Condition') return name;
  return name && FN_TAGS.includes(name) ? `Fn::${name}` : undefined;
}

export const CFN_TAGS: Tags = ['Ref', 'Condition', ...FN_TAGS].flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value },
  { tag: `!${name}`, collection: 'seq' as const, resolve: (value: unknown) => value as Node },
  { tag: `!${name}`, collection: 'map' as const, resolve: (value: unknown) => value as Node },
]) as Tags;

/**
 * The document as plain data, short forms in their long form. Aliases are expanded through
 * `aliases` (checkNodes has bounded what they expand to); a `__proto__` key is an own property.
 */
export function toCfn(doc: Document, aliases: AliasTargets): unknown {
  const keyOf = (node: unknown, keys: KeyPath): string => {
    const key = isAlias(node) ? aliases.get(node) : node;
    if (key === null || key === undefined) return '';
    if (isScalar(key)) return String(key.value);
    throw new YamlNodeError(node as Node, keys, 'a key must be a plain value, not a mapping or a list');
  };
  const convert = (node: unknown, keys: KeyPath): unknown => {
    if (isAlias(node)) return convert(aliases.get(node), keys);
    let value: unknown;
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      for (const pair of node.items) {
        const k = keyOf(pair.key, keys);
        setOwn(obj, k, convert(pair.value, [...keys, k]));
      }
      value = obj;
    } else if (isSeq(node)) {
      value = node.items.map((item, i) => convert(item, [...keys, String(i)]));
    } else if (isScalar(node)) {
      value = node.value;
    } else {
      value = null;
    }
    const tag = (node as Node | null)?.tag;
    const key = tag ? tagKey(tag) : undefined;
    if (!key) return value;
    if (key === 'Fn::GetAtt' && typeof value === 'string') {
      const dot = value.indexOf('.'); // !GetAtt Res.Attr.Sub: the logical id ends at the first dot
      value = dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
    }
    return { [key]: value };
  };
  return convert(doc.contents, []);
}
