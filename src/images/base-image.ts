/**
 * An offline base image assembled from this host's own files: /bin/sh, curl (when present) and
 * every shared library they and this host's Node.js load, plus the few /etc files a Lambda-like
 * sandbox needs. The language runtimes themselves (node, python) are added per runtime image
 * (src/images/runtime-recipes.ts) at /var/lang, so the base is shared by every runtime. Imported with `docker import` (POST /images/create?fromSrc=-), so no registry is
 * ever contacted.
 *
 * The tag carries a hash of the file list (with sizes and mtimes) and of this assembly code's
 * version, so an existing image is reused until the host's binaries change.
 */
import { createHash } from 'crypto';
import { promises as fsp, constants as fsConstants } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type Dockerode from 'dockerode';
import execa from 'execa';
import * as tarFs from 'tar-fs';
import { dockerEndpoint, isNotFound } from '../engine/client';
import { processAlive } from '../process-alive';

/** Bump when the assembly below changes what ends up in the image. */
const ASSEMBLY_VERSION = 'host-base/2';

export const HOST_BASE_REPOSITORY = 'lambda-orchestrator/base';

/** Lambda's sandbox user. */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;

const GENERATED_FILES: ReadonlyArray<{ dest: string; content: string; mode: number }> = [
  {
    dest: '/etc/passwd',
    content:
      'root:x:0:0:root:/root:/bin/sh\n' +
      `sbx_user1051:x:${SANDBOX_UID}:${SANDBOX_GID}::/home/sbx_user1051:/sbin/nologin\n`,
    mode: 0o644,
  },
  {
    dest: '/etc/group',
    content: 'root:x:0:\n' + `sbx_user1051:x:${SANDBOX_GID}:\n`,
    mode: 0o644,
  },
  {
    dest: '/etc/nsswitch.conf',
    content: 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n',
    mode: 0o644,
  },
];

/** Empty directories of the image and their modes (parents of files are created 0755). */
const EMPTY_DIRS: ReadonlyArray<{ dest: string; mode: number }> = [
  { dest: '/tmp', mode: 0o1777 },
  { dest: '/var/task', mode: 0o755 },
  { dest: '/var/runtime', mode: 0o755 },
  { dest: '/opt', mode: 0o755 },
  { dest: '/proc', mode: 0o555 },
  { dest: '/sys', mode: 0o555 },
  { dest: '/dev', mode: 0o755 },
];

/** A host file copied into the image. */
export interface HostBaseFile {
  /** Absolute path inside the image. */
  dest: string;
  /** Real (symlink-resolved) path on the host. */
  source: string;
  size: number;
  mtimeMs: number;
  mode: number;
}

export interface HostBasePlan {
  /** `lambda-orchestrator/base:host-<hash12>` */
  tag: string;
  files: HostBaseFile[];
  /** Notes worth reporting (e.g. curl missing); empty when everything was found. */
  notes: string[];
}

interface Binary {
  /** Where the binary goes in the image; undefined: only its libraries do. */
  dest?: string;
  hostPath: string;
  required: boolean;
}

/** Paths ldd prints for a binary: `name => /path (0x…)` lines and the loader line `/path (0x…)`. */
export function parseLddOutput(output: string): { paths: string[]; missing: string[] } {
  const paths: string[] = [];
  const missing: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow) {
      const target = arrow[2].trim();
      if (target.startsWith('not found')) {
        missing.push(arrow[1]);
        continue;
      }
      const m = /^(\/\S+)/.exec(target);
      if (m) paths.push(m[1]);
      continue; // `linux-vdso.so.1 =>  (0x…)` on old glibc: nothing to copy
    }
    const loader = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/i.exec(line);
    if (loader) paths.push(loader[1]);
    // `linux-vdso.so.1 (0x…)`, `statically linked`: nothing to copy
  }
  return { paths, missing };
}

export async function lddPaths(binary: string): Promise<{ paths: string[]; missing: string[] }> {
  let result: execa.ExecaReturnValue;
  try {
    result = await execa('ldd', [binary], { reject: false, env: { LC_ALL: 'C' } });
  } catch (err) {
    throw new Error(`cannot run ldd to find the libraries of ${binary}: ${(err as Error).message}`);
  }
  if (result.exitCode !== 0) {
    // A static executable: ldd says so and exits 1; nothing to add.
    if (/not a dynamic executable|statically linked/.test(`${result.stdout}\n${result.stderr}`)) {
      return { paths: [], missing: [] };
    }
    throw new Error(`ldd ${binary} failed (exit ${result.exitCode}): ${result.stderr || result.stdout}`);
  }
  return parseLddOutput(result.stdout);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

export async function hostFile(dest: string, hostPath: string): Promise<HostBaseFile> {
  const source = await fsp.realpath(hostPath);
  const st = await fsp.stat(source);
  if (!st.isFile()) throw new Error(`${hostPath} (${source}) is not a regular file`);
  return { dest, source, size: st.size, mtimeMs: Math.trunc(st.mtimeMs), mode: st.mode & 0o7777 };
}

/**
 * Work out what the host base image holds and its tag, without touching Docker.
 * Throws when Node.js or /bin/sh (or one of their libraries) cannot be found.
 */
export async function planHostBase(): Promise<HostBasePlan> {
  if (process.platform !== 'linux') {
    throw new Error(
      `the host base image is assembled from this machine's Linux binaries, and this is ${process.platform}: ` +
        'set a public base image (e.g. node:20-bookworm-slim) for each runtime instead of `host`',
    );
  }
  const notes: string[] = [];
  const binaries: Binary[] = [
    // Only node's libraries: any glibc build of Node.js (the pinned ones of each runtime) loads the same.
    { hostPath: process.execPath, required: true },
    { dest: '/bin/sh', hostPath: '/bin/sh', required: true },
  ];
  if (await exists('/usr/bin/curl')) {
    binaries.push({ dest: '/usr/bin/curl', hostPath: '/usr/bin/curl', required: false });
  } else {
    notes.push('/usr/bin/curl not found on this host: shell bootstraps of the provided runtime will have no curl');
  }

  const byDest = new Map<string, HostBaseFile>();
  for (const bin of binaries) {
    const { paths, missing } = await lddPaths(bin.hostPath);
    if (missing.length > 0) {
      const msg = `${bin.hostPath} needs libraries ldd cannot find: ${missing.join(', ')}`;
      if (bin.required) throw new Error(msg);
      notes.push(`${msg}; left out of the base image`);
      continue;
    }
    if (bin.dest !== undefined) byDest.set(bin.dest, await hostFile(bin.dest, bin.hostPath));
    for (const lib of paths) {
      // Keep the path exactly as ldd prints it (e.g. /lib/x86_64-linux-gnu/libc.so.6 and
      // /lib64/ld-linux-x86-64.so.2 on merged-/usr Debian); copy the symlink's target there.
      const dest = path.posix.normalize(lib);
      if (!byDest.has(dest)) byDest.set(dest, await hostFile(dest, lib));
    }
  }

  const caBundle = '/etc/ssl/certs/ca-certificates.crt';
  if (await exists(caBundle)) byDest.set(caBundle, await hostFile(caBundle, caBundle));

  const files = [...byDest.values()].sort((a, b) => (a.dest < b.dest ? -1 : a.dest > b.dest ? 1 : 0));
  const hash = createHash('sha256');
  hash.update(`${ASSEMBLY_VERSION}\n${process.arch}\n`);
  for (const f of files) hash.update(`file\0${f.dest}\0${f.source}\0${f.size}\0${f.mtimeMs}\0${f.mode.toString(8)}\n`);
  for (const g of GENERATED_FILES) hash.update(`gen\0${g.dest}\0${g.mode.toString(8)}\0${g.content}\n`);
  for (const d of EMPTY_DIRS) hash.update(`dir\0${d.dest}\0${d.mode.toString(8)}\n`);
  const tag = `${HOST_BASE_REPOSITORY}:host-${hash.digest('hex').slice(0, 12)}`;
  return { tag, files, notes };
}

/** The tag `ensureHostBaseImage` would produce on this host (no Docker call). */
export async function hostBaseImageRef(): Promise<string> {
  return (await planHostBase()).tag;
}

/** True when the engine has an image under this reference. */
export async function imageExists(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Consume a Docker JSON progress stream; rejects on a stream error or an `error` event. */
export function followDockerProgress(
  docker: Dockerode,
  stream: NodeJS.ReadableStream,
  onEvent: (event: Record<string, unknown>) => void,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) reject(err);
        else resolve(failure);
      },
      (event: Record<string, unknown>) => {
        const detail = event.errorDetail as { message?: string } | undefined;
        if (event.error !== undefined || detail !== undefined) {
          const msg = String(detail?.message ?? event.error ?? 'unknown error');
          failure = failure === undefined ? msg : `${failure}; ${msg}`;
        }
        onEvent(event);
      },
    );
  });
}

const inFlight = new Map<string, Promise<void>>();

/**
 * Run `build` for `ref` at most once at a time on this machine: once per process (a shared
 * promise) and across processes (a lock file in the temp dir, with stale-lock recovery). A caller
 * that waited finds the image the other one built and returns without building. The lock is an
 * optimisation only: if it cannot be taken in time, the build goes ahead (Docker copes with two
 * builds of one tag: the later one keeps the tag).
 */
export function buildOnce(docker: Dockerode, ref: string, build: () => Promise<void>): Promise<void> {
  const key = `${dockerEndpoint(docker)}\0${ref}`; // one build per engine: several engines may be in use
  const running = inFlight.get(key);
  if (running) return running;
  const p = (async () => {
    const release = await acquireBuildLock(docker, ref);
    if (release === 'exists') return;
    try {
      if (await imageExists(docker, ref)) return;
      await build();
    } finally {
      await release();
    }
  })().finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

const LOCK_STALE_MS = 30 * 60 * 1000;
const LOCK_WAIT_MS = 30 * 60 * 1000;
const LOCK_POLL_MS = 300;

async function acquireBuildLock(docker: Dockerode, ref: string): Promise<'exists' | (() => Promise<void>)> {
  const key = createHash('sha256')
    .update(`${dockerEndpoint(docker)}\0${ref}`)
    .digest('hex')
    .slice(0, 24);
  const lockPath = path.join(os.tmpdir(), `lambda-orchestrator-build-${key}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      const fh = await fsp.open(lockPath, 'wx');
      await fh.writeFile(`${process.pid} ${Date.now()} ${ref}\n`);
      await fh.close();
      return async () => {
        await fsp.rm(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Temp dir unusable: build without the cross-process lock.
        return async () => undefined;
      }
    }
    if (await imageExists(docker, ref)) return 'exists';
    let stale = false;
    try {
      const [pidText, timeText] = (await fsp.readFile(lockPath, 'utf8')).split(' ');
      stale = !processAlive(Number(pidText)) || Date.now() - Number(timeText) > LOCK_STALE_MS;
    } catch {
      // Released (or half-written) meanwhile: try again.
    }
    if (stale) {
      await fsp.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) return async () => undefined;
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

async function stage(plan: HostBasePlan, dir: string): Promise<void> {
  for (const f of plan.files) {
    const target = path.join(dir, f.dest);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    try {
      await fsp.link(f.source, target); // same filesystem: no copy of ~100 MB
    } catch {
      await fsp.copyFile(f.source, target);
      await fsp.chmod(target, f.mode);
    }
  }
  for (const g of GENERATED_FILES) {
    const target = path.join(dir, g.dest);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.writeFile(target, g.content, { mode: g.mode });
  }
  for (const d of EMPTY_DIRS) await fsp.mkdir(path.join(dir, d.dest), { recursive: true });
}

/**
 * Make sure the host base image exists and return its tag
 * (`lambda-orchestrator/base:host-<hash12>`). Builds it (a few seconds, ~100 MB) when missing.
 */
export async function ensureHostBaseImage(
  docker: Dockerode,
  onProgress?: (line: string) => void,
): Promise<string> {
  const plan = await planHostBase();
  if (await imageExists(docker, plan.tag)) return plan.tag;
  await buildOnce(docker, plan.tag, () => importHostBase(docker, plan, onProgress));
  return plan.tag;
}

/**
 * Assemble and import the image a plan describes, under `plan.tag` (no existence check, no lock:
 * `ensureHostBaseImage` is the entry point; this one lets a test import under its own tag).
 */
export async function importHostBase(
  docker: Dockerode,
  plan: HostBasePlan,
  onProgress?: (line: string) => void,
  labels: Record<string, string> = {},
): Promise<void> {
  const progress = onProgress ?? (() => undefined);
  for (const note of plan.notes) progress(note);
  const totalMb = plan.files.reduce((n, f) => n + f.size, 0) / 1048576;
  progress(`assembling ${plan.tag} from this host: ${plan.files.length} files, ${totalMb.toFixed(1)} MB`);

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lambda-orchestrator-base-'));
  try {
    await stage(plan, dir);
    const fileModes = new Map<string, number>();
    for (const f of plan.files) fileModes.set(f.dest.replace(/^\/+/, ''), f.mode);
    for (const g of GENERATED_FILES) fileModes.set(g.dest.replace(/^\/+/, ''), g.mode);
    const dirModes = new Map<string, number>();
    for (const d of EMPTY_DIRS) dirModes.set(d.dest.replace(/^\/+/, ''), d.mode);

    const entries = (await fsp.readdir(dir)).sort();
    const packOptions: tarFs.PackOptions & { sort: boolean } = {
      entries,
      sort: true,
      map: (header) => {
        const name = header.name.replace(/^\.\/+/, '').replace(/\/+$/, '');
        header.uid = 0;
        header.gid = 0;
        Object.assign(header, { uname: 'root', gname: 'root' });
        if (header.type === 'directory') header.mode = dirModes.get(name) ?? 0o755;
        else header.mode = fileModes.get(name) ?? header.mode & 0o7777;
        return header;
      },
    };
    // tar-fs 3 returns a streamx stream: pipe-compatible, typed apart from Node's streams.
    const tar = tarFs.pack(dir, packOptions) as unknown as NodeJS.ReadableStream;
    const [repo, tag] = splitRef(plan.tag);
    const stream = await docker.importImage(tar, {
      repo,
      tag,
      changes: [
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        ...Object.entries({ ...labels, 'orchestrator.image': 'base-host' }).map(
          ([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`,
        ),
      ],
    });
    const failure = await followDockerProgress(docker, stream, (event) => {
      if (typeof event.status === 'string') progress(`import: ${event.status}`);
    });
    if (failure !== undefined) throw new Error(`importing the host base image ${plan.tag} failed: ${failure}`);
    if (!(await imageExists(docker, plan.tag))) {
      throw new Error(`importing the host base image ${plan.tag} failed: the engine reports no such image afterwards`);
    }
    progress(`imported ${plan.tag}`);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return [ref.slice(0, colon), ref.slice(colon + 1)];
}
