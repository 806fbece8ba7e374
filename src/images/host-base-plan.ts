/**
 * What the offline host base image holds and its tag, worked out without Docker: /bin/sh, curl
 * (when present) and every shared library they and this host's Node.js load, plus the few /etc
 * files a Lambda-like sandbox needs. The tag carries a hash of the file list (with sizes and
 * mtimes) and of this assembly's version, so an existing image is reused until the host's binaries
 * change.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { SANDBOX_GID, SANDBOX_UID } from '../lambda-limits';
import { lddPaths } from './ldd';

/** Bump when the assembly changes what ends up in the image. */
const ASSEMBLY_VERSION = 'host-base/2';

export const HOST_BASE_REPOSITORY = 'lambda-orchestrator/base';

/** Files written into the image rather than copied from the host. */
export const GENERATED_FILES: ReadonlyArray<{ dest: string; content: string; mode: number }> = [
  {
    dest: '/etc/passwd',
    content: 'root:x:0:0:root:/root:/bin/sh\n' + `sbx_user1051:x:${SANDBOX_UID}:${SANDBOX_GID}::/home/sbx_user1051:/sbin/nologin\n`,
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
export const EMPTY_DIRS: ReadonlyArray<{ dest: string; mode: number }> = [
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
  return { tag: `${HOST_BASE_REPOSITORY}:host-${planHash(files)}`, files, notes };
}

/** The tag's hash: the assembly's version, the architecture and every entry of the image. */
function planHash(files: readonly HostBaseFile[]): string {
  const hash = createHash('sha256');
  hash.update(`${ASSEMBLY_VERSION}\n${process.arch}\n`);
  for (const f of files) hash.update(`file\0${f.dest}\0${f.source}\0${f.size}\0${f.mtimeMs}\0${f.mode.toString(8)}\n`);
  for (const g of GENERATED_FILES) hash.update(`gen\0${g.dest}\0${g.mode.toString(8)}\0${g.content}\n`);
  for (const d of EMPTY_DIRS) hash.update(`dir\0${d.dest}\0${d.mode.toString(8)}\n`);
  return hash.digest('hex').slice(0, 12);
}
