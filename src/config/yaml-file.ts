/**
 * Reads a YAML file into plain data plus a Locator of its nodes' source lines, within the bounds of
 * yaml-bounds.ts (size, nesting, alias expansion, duplicate keys checked in linear time).
 */
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, Node, Pair, parseDocument, Tags } from 'yaml';
import { ConfigError } from '../errors';
import type { KeyPath, Locator } from './checker';
import { checkNodes, deepFlowLine, MAX_YAML_DEPTH, readBounded, YamlNodeError } from './yaml-bounds';

/** What an alias names (found once by checkNodes; Alias.resolve scans the whole document each time). */
export type AliasTargets = ReadonlyMap<Node, Node>;

export interface YamlOptions {
  customTags?: Tags;
  /** Turns the parsed document into data (default: the yaml package's toJS); may throw YamlNodeError. */
  toData?: (doc: Document, aliases: AliasTargets) => unknown;
  /** For a tagged node (`!Ref x`), the key its data is kept under (`Ref`): the Locator steps through it. */
  tagKey?: (tag: string) => string | undefined;
}

/** Parses a YAML file into plain data plus a Locator of its nodes' lines; syntax errors become ConfigErrors. */
export function readYaml(file: string, options: YamlOptions = {}): { data: unknown; locator: Locator } {
  const text = readBounded(file);
  const deep = deepFlowLine(text);
  if (deep !== undefined) throw new ConfigError(file, deep, 'YAML syntax', `nested more than ${MAX_YAML_DEPTH} levels deep`);
  const lineCounter = new LineCounter();
  // uniqueKeys: checkNodes finds duplicate keys in linear time (the package's check is quadratic)
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, customTags: options.customTags });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const syntax = doc.errors[0];
  if (syntax) {
    const problem = syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const deepBlock = /Maximum call stack/.test(problem); // block nesting the composer could not follow
    throw new ConfigError(
      file,
      lineAt(syntax.pos[0]),
      'YAML syntax',
      deepBlock ? `nested more than ${MAX_YAML_DEPTH} levels deep` : problem,
    );
  }
  const at = (err: YamlNodeError): ConfigError => {
    const range = err.node?.range;
    return new ConfigError(file, range ? lineAt(range[0]) : 1, err.keys.length > 0 ? err.keys.join('.') : '(top level)', err.problem);
  };
  let aliases: AliasTargets;
  let data: unknown;
  try {
    aliases = checkNodes(doc);
    // maxAliasCount: checkNodes has bounded what the aliases expand to, with the alias's line
    data = options.toData ? options.toData(doc, aliases) : doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (err instanceof YamlNodeError) throw at(err);
    throw new ConfigError(file, 1, 'YAML syntax', (err as Error).message);
  }
  return { data, locator: yamlLocator(doc, lineAt, aliases, options.tagKey) };
}

function yamlLocator(
  doc: Document,
  lineAt: (offset: number) => number,
  aliases: AliasTargets,
  tagKey?: (tag: string) => string | undefined,
): Locator {
  const rootLine = (): number => (doc.contents?.range ? lineAt(doc.contents.range[0]) : 1);
  const nodeLine = (node: unknown): number | undefined => {
    const range = (node as Node | null)?.range;
    return range ? lineAt(range[0]) : undefined;
  };
  /** The pair at `path`, or undefined when some segment is missing. */
  const find = (keys: KeyPath): Pair | undefined => {
    let node: unknown = doc.contents;
    let pair: Pair | undefined;
    for (const key of keys) {
      if (isAlias(node)) node = aliases.get(node);
      const tag = (node as Node | undefined)?.tag;
      if (tagKey && tag && tagKey(tag) === key) continue; // `!Ref x` is kept as { Ref: x }: same node
      if (isSeq(node)) {
        // a list item: a pair-like record whose key and value are the item itself
        const item = /^\d+$/.test(key) ? (node.items[Number(key)] as Node | undefined) : undefined;
        if (!item) return undefined;
        pair = new Pair(item, item);
        node = item;
        continue;
      }
      if (!isMap(node)) return undefined;
      pair = node.items.find((p) => isScalar(p.key) && String(p.key.value ?? '') === key);
      if (!pair) return undefined;
      node = pair.value;
    }
    return pair;
  };
  const line = (keys: KeyPath, at: 'key' | 'value'): number | undefined => {
    if (keys.length === 0) return rootLine();
    const pair = find(keys);
    if (!pair) return line(keys.slice(0, -1), 'key');
    return (at === 'value' ? nodeLine(pair.value) : undefined) ?? nodeLine(pair.key) ?? line(keys.slice(0, -1), 'key');
  };
  const source = (keys: KeyPath): string | undefined => {
    const value = find(keys)?.value;
    return isScalar(value) && value.source !== undefined && value.source !== '' ? value.source : undefined;
  };
  return { line, source };
}
