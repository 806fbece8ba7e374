/**
 * Runtime images (`images/<runtime>/`), tagged by content: `lambda-orchestrator/<runtime>:<hash12>`
 * where the hash covers every file of the image folder and the base image identity. An existing
 * tag is reused as is; a missing one is built with the classic builder (no RUN in the Dockerfiles,
 * so the offline host base works as well as a public one).
 */
import { createHash } from 'crypto';
import { existsSync, promises as fsp, statSync } from 'fs';
import * as path from 'path';
import type Dockerode from 'dockerode';
import * as tarFs from 'tar-fs';
import type { BaseImageSource, RuntimeName } from '../config/types';
import {
  HOST_BASE_REPOSITORY,
  buildOnce,
  ensureHostBaseImage,
  followDockerProgress,
  hostBaseImageRef,
  imageExists,
} from './base-image';

/** Bump when the way images are built (not their files) changes. */
const RECIPE_VERSION = 'runtime-image/1';

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
 * The project's `images/` folder: walk up from this module (src/docker under ts-jest,
 * dist/src/docker after tsc) to the folder that holds both `package.json` and `images/`.
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

interface ContextFile {
  rel: string;
  abs: string;
  executable: boolean;
}

async function listFiles(root: string, rel = ''): Promise<ContextFile[]> {
  const out: ContextFile[] = [];
  const names = (await fsp.readdir(path.join(root, rel))).sort();
  for (const name of names) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(root, childRel);
    const st = await fsp.stat(abs); // follows symlinks, as the build context does
    if (st.isDirectory()) out.push(...(await listFiles(root, childRel)));
    else if (st.isFile()) out.push({ rel: childRel, abs, executable: (st.mode & 0o111) !== 0 });
  }
  return out;
}

function runtimeDir(runtime: RuntimeName, imagesDir?: string): string {
  const dir = path.join(imagesDir ?? defaultImagesDir(), runtime);
  if (!isDir(dir)) throw new Error(`no image folder for runtime ${runtime}: ${dir} does not exist`);
  if (!existsSync(path.join(dir, 'Dockerfile'))) throw new Error(`no Dockerfile for runtime ${runtime} in ${dir}`);
  return dir;
}

async function contentHash(dir: string, baseIdentity: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${RECIPE_VERSION}\0base\0${baseIdentity}\n`);
  for (const f of await listFiles(dir)) {
    const bytes = await fsp.readFile(f.abs);
    hash.update(`file\0${f.rel}\0${f.executable ? 'x' : '-'}\0${bytes.length}\0`);
    hash.update(bytes);
    hash.update('\n');
  }
  return hash.digest('hex').slice(0, 12);
}

async function baseIdentity(base: BaseImageSource): Promise<string> {
  const trimmed = base.trim();
  if (trimmed === '') throw new Error('the base image reference is empty');
  return trimmed === 'host' ? hostBaseImageRef() : trimmed;
}

/** The reference `ensureRuntimeImage` returns for these inputs, computed without building. */
export async function runtimeImageRef(
  runtime: RuntimeName,
  opts: { base: BaseImageSource; imagesDir?: string },
): Promise<string> {
  const dir = runtimeDir(runtime, opts.imagesDir);
  const hash = await contentHash(dir, await baseIdentity(opts.base));
  return `${RUNTIME_IMAGE_REPOSITORY_PREFIX}${runtime}:${hash}`;
}

/**
 * Make sure the image of `runtime` exists and return its reference. Returns at once when the
 * content-addressed tag exists; otherwise builds the base (for `host`) and then the image.
 * Concurrent calls (in this process or another one on this machine) build it once.
 */
export async function ensureRuntimeImage(
  docker: Dockerode,
  runtime: RuntimeName,
  opts: RuntimeImageOptions,
): Promise<string> {
  const dir = runtimeDir(runtime, opts.imagesDir);
  const isHost = opts.base.trim() === 'host';
  const base = await baseIdentity(opts.base);
  const ref = `${RUNTIME_IMAGE_REPOSITORY_PREFIX}${runtime}:${await contentHash(dir, base)}`;
  if (await imageExists(docker, ref)) return ref;

  const progress = opts.onProgress ?? (() => undefined);
  await buildOnce(docker, ref, async () => {
    if (isHost) {
      const built = await ensureHostBaseImage(docker, progress);
      if (built !== base) throw new Error(`the host base image changed while building (${base} → ${built}); try again`);
    }
    progress(`building ${ref} (runtime ${runtime}, base ${base})`);
    await buildImage(docker, runtime, dir, ref, base, opts.labels ?? {}, progress);
    progress(`built ${ref}`);
  });
  return ref;
}

async function buildImage(
  docker: Dockerode,
  runtime: RuntimeName,
  dir: string,
  ref: string,
  base: string,
  labels: Record<string, string>,
  progress: (line: string) => void,
): Promise<void> {
  // Every file root-owned and world-readable (the runtime runs as 993:990); executables stay so.
  const packOptions: tarFs.PackOptions & { sort: boolean } = {
    dereference: true,
    sort: true,
    map: (header) => {
      header.uid = 0;
      header.gid = 0;
      Object.assign(header, { uname: 'root', gname: 'root' });
      header.mode = header.type === 'directory' || (header.mode & 0o111) !== 0 ? 0o755 : 0o644;
      return header;
    },
  };
  const fail = (msg: string): Error => {
    const hint =
      !base.startsWith(`${HOST_BASE_REPOSITORY}:`) &&
      /pull access denied|manifest unknown|manifest for \S+ not found|repository does not exist|dial tcp|no such host|server misbehaving|TLS handshake|i\/o timeout|Get "https?:/i.test(msg)
        ? ` (the engine could not get the base image ${base}; without a registry, use the base \`host\`)`
        : '';
    return new Error(`building the ${runtime} runtime image ${ref} failed: ${msg}${hint}`);
  };

  let stream: NodeJS.ReadableStream;
  try {
    const context = tarFs.pack(dir, packOptions) as unknown as NodeJS.ReadableStream;
    stream = await docker.buildImage(context, {
      t: ref,
      buildargs: { BASE: base },
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
