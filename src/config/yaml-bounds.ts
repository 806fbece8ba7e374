/**
 * The bounds every YAML file (functions.yaml, a SAM template, config/defaults.yaml) is read within,
 * so that no file can hang or exhaust `up` or a `--watch` reload (docs/functions-yaml.md,
 * docs/sam-templates.md): a size cap, a nesting depth, and a count of the nodes that aliases
 * expand to. Duplicate keys are found here in linear time (the yaml package's own check compares
 * every key with every other one of its mapping).
 */
import * as fs from 'node:fs';
import { Document, isAlias, isMap, isScalar, isSeq, Lexer, Node } from 'yaml';
import { ConfigError } from '../errors';
import type { KeyPath } from './checker';

/**
 * Largest config file read: twice CloudFormation's 1 MB limit on a template, which no template that
 * deploys exceeds. It also keeps a `--watch` reload (a synchronous load) short.
 */
export const MAX_CONFIG_FILE_BYTES = 2 * 1024 * 1024;
/** Deepest nesting of mappings and lists (a real template nests a dozen levels at most). */
export const MAX_YAML_DEPTH = 64;
/** Alias uses in one file (`*name`). */
export const MAX_YAML_ALIASES = 10_000;
/** Nodes that all the aliases of a file expand to, together: an alias bomb is refused at the alias that passes it. */
export const MAX_ALIAS_NODES = 100_000;

/** The file's text, refused when it is not a regular file (a FIFO would block the read) or is too large. */
export function readBounded(file: string): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(file, undefined, '(file)', 'is not a regular file');
    if (st.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(file, st.size);
    const buf = Buffer.alloc(Math.min(st.size + 1, MAX_CONFIG_FILE_BYTES + 1));
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = fs.readSync(fd, buf, got, buf.length - got, null);
    if (got > MAX_CONFIG_FILE_BYTES) throw tooLarge(file, got); // grew while being read
    return buf.subarray(0, got).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, undefined, '(file)', `cannot read: ${(err as Error).message}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function tooLarge(file: string, size: number): ConfigError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new ConfigError(
    file,
    undefined,
    '(file)',
    `is ${mb(size)} (${size} bytes); the largest config file read is ${mb(MAX_CONFIG_FILE_BYTES)} (CloudFormation refuses templates over 1 MB)`,
  );
}

/**
 * The line of the first flow collection (`[`, `{`) nested deeper than MAX_YAML_DEPTH, found by the
 * yaml package's lexer before its parser runs: the parser and composer are recursive and slow down
 * badly on deep nesting, so it must never see it.
 */
export function deepFlowLine(text: string): number | undefined {
  let depth = 0;
  let line = 1;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_YAML_DEPTH) return line;
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    else for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line++;
  }
  return undefined;
}

/** A problem at one node of the document, turned into a ConfigError with its line by readYaml. */
export class YamlNodeError extends Error {
  constructor(
    readonly node: Node | undefined,
    readonly keys: KeyPath,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/**
 * One walk over the parsed document, in document order: refuses duplicate keys, nesting deeper than
 * MAX_YAML_DEPTH, an alias inside the node it names, and aliases expanding past MAX_ALIAS_NODES.
 * Returns what each alias names (the yaml package's own lookup scans the document once per alias).
 */
export function checkNodes(doc: Document): Map<Node, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Node, Node>();
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  let aliases = 0;
  let expanded = 0;

  const walk = (node: unknown, keys: KeyPath, depth: number): number => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return 1; // the composer has reported the unknown anchor already
      if (open.has(target)) throw new YamlNodeError(node, keys, `alias *${node.source} is inside the node it names`);
      if (++aliases > MAX_YAML_ALIASES) throw new YamlNodeError(node, keys, `more than ${MAX_YAML_ALIASES} aliases in one file`);
      targets.set(node, target);
      const size = sizes.get(target) ?? 1;
      expanded += size;
      if (expanded > MAX_ALIAS_NODES) {
        throw new YamlNodeError(
          node,
          keys,
          `aliases expand to more than ${MAX_ALIAS_NODES} nodes (*${node.source} alone to ${size}); refused as an alias bomb`,
        );
      }
      return size;
    }
    const n = node as Node | null;
    if (n?.anchor) anchors.set(n.anchor, n);
    if (!isMap(n) && !isSeq(n)) return 1;
    if (depth >= MAX_YAML_DEPTH) throw new YamlNodeError(n, keys, `nested more than ${MAX_YAML_DEPTH} levels deep`);
    open.add(n);
    let size = 1;
    if (isMap(n)) {
      const seen = new Set<unknown>();
      for (const pair of n.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        const name = String(isScalar(pair.key) ? pair.key.value : '(a key that is not a scalar)');
        if (isScalar(pair.key) && key !== '<<') {
          if (seen.has(key)) throw new YamlNodeError(pair.key, [...keys, name], `Map keys must be unique: ${name} is given twice`);
          seen.add(key);
        }
        size += walk(pair.key, [...keys, name], depth + 1) + walk(pair.value, [...keys, name], depth + 1);
      }
    } else {
      n.items.forEach((item, i) => {
        size += walk(item, [...keys, String(i)], depth + 1);
      });
    }
    open.delete(n);
    sizes.set(n, size);
    return size;
  };
  walk(doc.contents, [], 0);
  return targets;
}
