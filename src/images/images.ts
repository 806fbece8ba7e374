/**
 * Runtime images (`images/<runtime>/Dockerfile` and what src/images/runtime-recipes.ts composes
 * around it), tagged by content: `lambda-orchestrator/<runtime>:<hash12>` where the hash covers
 * every file of the build context and the base image identity. An existing
 * tag is reused as is; a missing one is built with the classic builder (no RUN in the Dockerfiles,
 * so the offline host base works as well as a public one).
 */
import { existsSync, promises as fsp, statSync } from 'node:fs';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { type ContextEntry, hashContext, withContextTar } from './build-context';
import { type RuntimeRecipe, runtimeRecipe } from './runtime-recipes';
import type { BaseImageSource, RuntimeName } from '../config/types';
import { ensureHostBaseImage, hostBaseImageRef } from './base-image';
import { buildOnce } from './build-lock';
import { followDockerProgress, imageExists } from './engine-images';
import { HOST_BASE_REPOSITORY } from './host-base-plan';

/** Bump when the way images are built (not their files) changes. */
const RECIPE_VERSION = 'runtime-image/2';

export const RUNTIME_IMAGE_REPOSITORY_PREFIX = 'lambda-orchestrator/';

export interface RuntimeImageOptions {
  /** `host` (offline, assembled from this machine) or an image reference the engine can pull. */
  base: BaseImageSource;
  /** Folder holding one sub-folder per runtime; defaults to the project's `images/`. */
  imagesDir?: string;
  /** Build progress, one line at a time. */
  onProgress?: (line: string) => void;
  /** Extra labels for a built image (on top of `orchestrator.image=<runtime>`). */
  labels?: Record<string, string>;
}

let cachedImagesDir: string | undefined;

/**
 * The project's `images/` folder: walk up from this module (src/images under ts-jest,
 * dist/src/images after tsc) to the folder that holds both `package.json` and `images/`.
 */
export function defaultImagesDir(): string {
  if (cachedImagesDir !== undefined) return cachedImagesDir;
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'images');
    if (existsSync(path.join(dir, 'package.json')) && isDir(candidate)) {
      cachedImagesDir = candidate;
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find the runtime images folder: no package.json with an images/ folder above ${__dirname}`);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function dockerfileFolder(runtime: RuntimeName, dir: string): string {
  if (!isDir(dir)) throw new Error(`no image folder for runtime ${runtime}: ${dir} does not exist`);
  if (!existsSync(path.join(dir, 'Dockerfile'))) throw new Error(`no Dockerfile for runtime ${runtime} in ${dir}`);
  return dir;
}

/** The Dockerfile folder's own files (not its sub-folders: the recipe composes those). */
async function dockerfileEntries(dir: string): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  for (const name of (await fsp.readdir(dir)).sort()) {
    const abs = path.join(dir, name);
    if ((await fsp.stat(abs)).isFile()) out.push({ kind: 'file', dest: name, source: abs, identity: 'bytes' });
  }
  return out;
}

interface Plan {
  ref: string;
  base: string;
  recipe: RuntimeRecipe;
  entries: ContextEntry[];
}

async function planImage(runtime: RuntimeName, opts: { base: BaseImageSource; imagesDir?: string }): Promise<Plan> {
  const trimmed = opts.base.trim();
  if (trimmed === '') throw new Error('the base image reference is empty');
  const imagesDir = opts.imagesDir ?? defaultImagesDir();
  const recipe = await runtimeRecipe({ runtime, imagesDir, base: trimmed, projectRoot: path.dirname(defaultImagesDir()) });
  const dir = dockerfileFolder(runtime, path.join(imagesDir, recipe.dockerfileDir));
  const base = trimmed === 'host' ? await hostBaseImageRef() : trimmed;
  const entries = [...(await dockerfileEntries(dir)), ...recipe.entries];
  const hash = await hashContext(`${RECIPE_VERSION}\0base\0${base}\0version\0${recipe.version ?? ''}`, entries);
  return { ref: `${RUNTIME_IMAGE_REPOSITORY_PREFIX}${runtime}:${hash}`, base, recipe, entries };
}

/** The reference `ensureRuntimeImage` returns for these inputs, computed without building. */
export async function runtimeImageRef(runtime: RuntimeName, opts: { base: BaseImageSource; imagesDir?: string }): Promise<string> {
  return (await planImage(runtime, opts)).ref;
}

/**
 * Make sure the image of `runtime` exists and return its reference. Returns at once when the
 * content-addressed tag exists; otherwise builds the base (for `host`) and then the image.
 * Concurrent calls (in this process or another one on this machine) build it once.
 */
export async function ensureRuntimeImage(docker: Dockerode, runtime: RuntimeName, opts: RuntimeImageOptions): Promise<string> {
  const isHost = opts.base.trim() === 'host';
  const { ref, base, recipe, entries } = await planImage(runtime, opts);
  if (await imageExists(docker, ref)) return ref;

  const progress = opts.onProgress ?? (() => undefined);
  await buildOnce(docker, ref, async () => {
    if (isHost) {
      const built = await ensureHostBaseImage(docker, progress);
      if (built !== base) throw new Error(`the host base image changed while building (${base} → ${built}); try again`);
    }
    const derived = await recipe.prepare(progress);
    progress(`building ${ref} (runtime ${runtime}, base ${base})`);
    await withContextTar([...entries, ...derived], (context) =>
      buildImage(
        docker,
        runtime,
        context,
        ref,
        { BASE: base, ...(recipe.version ? { VERSION: recipe.version } : {}) },
        opts.labels ?? {},
        progress,
      ),
    );
    progress(`built ${ref}`);
  });
  return ref;
}

async function buildImage(
  docker: Dockerode,
  runtime: RuntimeName,
  context: NodeJS.ReadableStream,
  ref: string,
  buildargs: { BASE: string; VERSION?: string },
  labels: Record<string, string>,
  progress: (line: string) => void,
): Promise<void> {
  const base = buildargs.BASE;
  const fail = (msg: string): Error => {
    const hint =
      !base.startsWith(`${HOST_BASE_REPOSITORY}:`) &&
      /pull access denied|manifest unknown|manifest for \S+ not found|repository does not exist|dial tcp|no such host|server misbehaving|TLS handshake|i\/o timeout|Get "https?:/i.test(
        msg,
      )
        ? ` (the engine could not get the base image ${base}; without a registry, use the base \`host\`)`
        : '';
    return new Error(`building the ${runtime} runtime image ${ref} failed: ${msg}${hint}`);
  };

  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(context, {
      t: ref,
      buildargs,
      labels: { ...labels, 'orchestrator.image': runtime },
      rm: true,
      forcerm: true,
    });
  } catch (err) {
    throw fail((err as Error).message);
  }

  let pending = '';
  const failure = await followDockerProgress(docker, stream, (event) => {
    if (typeof event.stream === 'string') {
      pending += event.stream;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line.trim() !== '') progress(line);
      }
    } else if (typeof event.status === 'string') {
      // Pull progress of a public base.
      progress([event.status, event.id, event.progress].filter((s) => typeof s === 'string').join(' '));
    }
  }).catch((err: Error) => {
    throw fail(err.message);
  });
  if (pending.trim() !== '') progress(pending.trim());
  if (failure !== undefined) throw fail(failure);
  if (!(await imageExists(docker, ref))) throw fail('the engine reports no such image after the build');
}
