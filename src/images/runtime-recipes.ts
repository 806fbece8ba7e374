/**
 * What goes into each runtime image's build context, besides its Dockerfile (images/<runtime>/):
 *
 *   nodejsNN.x  sdk/ (AWS SDK v3 → /var/runtime/node_modules), lang/bin/node (→ /var/lang/bin/node),
 *               runtime/ (images/nodejs/runtime, shared by every version → /var/runtime),
 *               esm/ (images/nodejs/esm-node-path → /var/runtime/esm-node-path)
 *   python3.X   rootfs/ (libraries, host base only → /), lang/ (interpreter and stdlib → /var/lang),
 *               boto/ (boto3 → /var/lang/lib/python3.X/site-packages), runtime/ (images/python/runtime → /var/runtime)
 *   provided, provided.al2023   nothing (one recipe: provided.al2023 is an alias)
 *
 * Every folder the Dockerfiles COPY exists (maybe empty), so one Dockerfile serves every base: the
 * offline `host` one, Lambda's public images (which have their own language runtime and SDK), or
 * another public OS image.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { type ContextEntry, folderEntries } from './build-context';
import { planHostBase } from './host-base-plan';
import { lddPaths } from './ldd';
import { ensureNodeBinary, plannedNodeBinary } from './node-dist';
import { botoEntries, missingPython, pythonLangEntries, pythonVersion } from './python-base';
import { sdkEntries } from './sdk-bundle';

export interface RuntimeRecipe {
  /** The folder of images/ holding the Dockerfile (one per runtime family). */
  dockerfileDir: string;
  /** The Dockerfile's VERSION (Node.js major, Python 3.N): the family's Dockerfile serves every version. */
  version?: string;
  /** Entries the image tag hashes (with the Dockerfile folder and the base identity). */
  entries: ContextEntry[];
  /** Work before the build (fetching a binary) and entries derived from hashed ones (libraries found with ldd). */
  prepare: (progress: (line: string) => void) => Promise<ContextEntry[]>;
}

export interface RecipeInput {
  runtime: string;
  imagesDir: string;
  /** `host`, or the public image reference. */
  base: string;
  /** The project root whose node_modules holds the AWS SDK for the Node.js images. */
  projectRoot: string;
}

/** Lambda's own images carry the language runtime and its SDK at Lambda's paths already. */
export function isLambdaImage(base: string): boolean {
  return base.startsWith('public.ecr.aws/lambda/');
}

const noPrepare = async (): Promise<ContextEntry[]> => [];

function dirEntry(dest: string): ContextEntry {
  return { kind: 'dir', dest };
}

/** The Node.js runtime every nodejsXX.x image holds at /var/runtime. */
export function nodeRuntimeDir(imagesDir: string): string {
  return path.join(imagesDir, 'nodejs', 'runtime');
}

async function nodeRecipe({ runtime, imagesDir, base, projectRoot }: RecipeInput): Promise<RuntimeRecipe> {
  const isHost = base === 'host';
  const lambda = isLambdaImage(base);
  const entries: ContextEntry[] = [
    ...(await folderEntries(nodeRuntimeDir(imagesDir), 'runtime', 'bytes')),
    ...(await folderEntries(path.join(imagesDir, 'nodejs', 'esm-node-path'), 'esm', 'bytes')),
    ...(lambda ? [dirEntry('sdk')] : await sdkEntries(projectRoot, 'sdk')),
    dirEntry('lang'),
  ];
  if (!lambda) {
    const planned = plannedNodeBinary(runtime);
    const identity = planned.from === 'host' ? ('stat' as const) : { id: `node-linux-${process.arch}@${planned.version}` };
    entries.push({ kind: 'file', dest: 'lang/bin/node', source: planned.path, identity });
  }
  const prepare = async (progress: (line: string) => void): Promise<ContextEntry[]> => {
    if (lambda) return [];
    const bin = await ensureNodeBinary(runtime, progress);
    if (isHost) {
      // The host base carries the libraries of this host's node; a pinned build needs the same few.
      const inBase = new Set((await planHostBase()).files.map((f) => f.dest));
      const { paths, missing } = await lddPaths(bin.path);
      const absent = [...missing, ...paths.filter((p) => !inBase.has(path.posix.normalize(p)))];
      if (absent.length > 0)
        throw new Error(`Node.js ${bin.version} (${bin.path}) needs libraries the host base lacks: ${absent.join(', ')}`);
    }
    return [];
  };
  return { dockerfileDir: 'nodejs', version: /^nodejs(\d+)\.x$/.exec(runtime)![1], entries, prepare };
}

async function pythonRecipe({ runtime, imagesDir, base }: RecipeInput): Promise<RuntimeRecipe> {
  const v = pythonVersion(runtime);
  const isHost = base === 'host';
  const runtimeDir = path.join(imagesDir, 'python', 'runtime');
  const entries: ContextEntry[] = [
    ...(existsSync(runtimeDir)
      ? await folderEntries(runtimeDir, 'runtime', 'bytes', (rel) => rel.split('/').includes('__pycache__'))
      : [dirEntry('runtime')]),
    dirEntry('rootfs'),
    dirEntry('lang'),
    dirEntry('boto'),
  ];
  let binaries: string[] = [];
  if (isHost) {
    const lang = await pythonLangEntries(runtime);
    binaries = lang.binaries;
    entries.push(...lang.entries, ...(await botoEntries(runtime, 'boto')));
  } else if (!isLambdaImage(base)) {
    // Docker Hub's python images: the interpreter at /usr/local/bin; boto3 from this host when it has Debian's.
    entries.push({ kind: 'symlink', dest: `lang/bin/python${v}`, target: `/usr/local/bin/python${v}` });
    entries.push({ kind: 'symlink', dest: 'lang/bin/python3', target: `/usr/local/bin/python${v}` });
    entries.push(...(await botoEntries(runtime, 'boto').catch(() => [])));
  }
  const prepare = async (): Promise<ContextEntry[]> => {
    if (!isHost) return [];
    const inBase = new Set((await planHostBase()).files.map((f) => f.dest));
    const libs = new Map<string, ContextEntry>();
    for (const bin of binaries) {
      const { paths, missing } = await lddPaths(bin);
      if (missing.length > 0) throw missingPython(runtime, `${bin} needs libraries this host lacks: ${missing.join(', ')}`);
      for (const lib of paths) {
        const dest = path.posix.normalize(lib);
        if (!inBase.has(dest)) libs.set(dest, { kind: 'file', dest: `rootfs${dest}`, source: lib, identity: 'stat' });
      }
    }
    return [...libs.values()];
  };
  return { dockerfileDir: 'python', version: v, entries, prepare };
}

/** The recipe of `runtime` (throws for a runtime with no image folder). */
export async function runtimeRecipe(input: RecipeInput): Promise<RuntimeRecipe> {
  const { runtime } = input;
  if (/^nodejs\d+\.x$/.test(runtime)) return nodeRecipe(input);
  if (/^python3\.\d+$/.test(runtime)) return pythonRecipe(input);
  if (runtime === 'provided' || runtime === 'provided.al2023') return { dockerfileDir: 'provided', entries: [], prepare: noPrepare };
  throw new Error(`no image recipe for runtime ${runtime}`);
}
