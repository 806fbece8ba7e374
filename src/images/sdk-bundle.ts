/**
 * The AWS SDK for JavaScript v3 of the Node.js images (Lambda's /var/runtime/node_modules), taken
 * from this project's own installed node_modules: the clients below and the full closure of their
 * dependencies, each package resolved as Node.js would from the package that depends on it. No
 * network at `up`.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { type ContextEntry, folderEntries } from './build-context';

/** The packages of the bundle (README: images/README.md lists them). */
export const SDK_PACKAGES: readonly string[] = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-lambda',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-ssm',
  '@aws-sdk/client-sts',
  '@aws-sdk/client-eventbridge',
  '@aws-sdk/client-kinesis',
  '@aws-sdk/client-kms',
  '@aws-sdk/credential-providers',
];

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** `name`'s folder as Node.js resolves it from a package in `fromDir`: fromDir/node_modules, then each parent's. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The package folders of the bundle, relative to `root/node_modules` (nested ones keep their
 * nesting, e.g. `@smithy/x/node_modules/tslib`). Throws when a package is not installed.
 */
export async function sdkClosure(root: string, packages: readonly string[] = SDK_PACKAGES): Promise<string[]> {
  const nodeModules = path.join(root, 'node_modules');
  const found = new Set<string>();
  const queue: Array<{ name: string; from: string; optional: boolean }> = packages.map((name) => ({ name, from: root, optional: false }));
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift()!;
    const dir = resolvePackageDir(name, from, root);
    if (dir === undefined) {
      if (optional) continue;
      throw new Error(`the AWS SDK bundle needs ${name}, which is not installed under ${nodeModules} (run npm ci in ${root})`);
    }
    const rel = path.relative(nodeModules, dir);
    if (rel.startsWith('..')) throw new Error(`${name} resolved outside ${nodeModules}: ${dir}`);
    if (found.has(rel)) continue;
    found.add(rel);
    const pkg = JSON.parse(await fsp.readFile(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir, optional: false });
    // Optional and peer dependencies come along when installed (npm installs peers since v7).
    for (const dep of Object.keys({ ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
      queue.push({ name: dep, from: dir, optional: true });
    }
  }
  return [...found].sort();
}

/** TypeScript declarations and nested node_modules (bundled separately, when in the closure) stay out. */
function skipInPackage(rel: string, isDir: boolean): boolean {
  const top = rel.split('/')[0];
  if (isDir && (top === 'node_modules' || top === 'dist-types')) return true;
  return !isDir && rel.endsWith('.d.ts');
}

/** Context entries of the bundle under `destPrefix` (e.g. `sdk` → COPY sdk/ /var/runtime/node_modules/). */
export async function sdkEntries(root: string, destPrefix: string): Promise<ContextEntry[]> {
  const nodeModules = path.join(root, 'node_modules');
  const out: ContextEntry[] = [{ kind: 'dir', dest: destPrefix }];
  for (const rel of await sdkClosure(root)) {
    out.push(
      ...(await folderEntries(path.join(nodeModules, rel), `${destPrefix}/${rel.split(path.sep).join('/')}`, 'stat', skipInPackage)),
    );
  }
  return out;
}
