/**
 * The Node.js binary of each nodejs runtime image: this host's own node when its major matches,
 * otherwise the official Linux build at a pinned version, fetched once from the npm registry
 * (`npm pack node-linux-<arch>@<version>`, which checks the registry's integrity hash) into a cache.
 * No other download source.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import execa from 'execa';
import * as tarFs from 'tar-fs';

/** The exact version each runtime gets when the host's node is not of its major (one table). */
export const NODE_VERSIONS: Readonly<Record<string, string>> = {
  'nodejs20.x': '20.20.2',
  'nodejs22.x': '22.23.5',
  'nodejs24.x': '24.22.3',
};

export function nodeMajor(runtime: string): number {
  const m = /^nodejs(\d+)\.x$/.exec(runtime);
  if (!m) throw new Error(`${runtime} is not a Node.js runtime`);
  return Number(m[1]);
}

export interface NodeBinary {
  /** Path of the binary on this host. */
  path: string;
  version: string;
  /** `host` (process.execPath) or `npm` (the cached registry build). */
  from: 'host' | 'npm';
}

function cacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'lambda-orchestrator', 'node');
}

/** Where the binary would be, without fetching it (for image tags). */
export function plannedNodeBinary(runtime: string): NodeBinary {
  const major = nodeMajor(runtime);
  if (process.platform === 'linux' && Number(process.versions.node.split('.')[0]) === major) {
    return { path: process.execPath, version: process.versions.node, from: 'host' };
  }
  const version = NODE_VERSIONS[runtime];
  if (version === undefined) throw new Error(`no pinned Node.js version for ${runtime}`);
  return { path: path.join(cacheRoot(), version, 'node'), version, from: 'npm' };
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(
    () => true,
    () => false,
  );
}

/** The binary of `runtime`, fetched into the cache first when it is not there yet. */
export async function ensureNodeBinary(runtime: string, progress: (line: string) => void = () => undefined): Promise<NodeBinary> {
  const planned = plannedNodeBinary(runtime);
  if (planned.from === 'host' || (await exists(planned.path))) return planned;
  const pkg = `node-linux-${process.arch}@${planned.version}`;
  progress(`fetching Node.js ${planned.version} for ${runtime} from the npm registry (${pkg}, about 50 MB, once)`);
  const dir = path.dirname(planned.path);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = await fsp.mkdtemp(path.join(dir, '.fetch-'));
  try {
    const packed = await execa('npm', ['pack', pkg, '--json', '--silent', '--pack-destination', tmp], {
      cwd: tmp,
      reject: false,
    }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
    if (packed.exitCode !== 0) {
      throw new Error(
        `cannot fetch Node.js ${planned.version} for ${runtime} (npm pack ${pkg} failed: ${(packed.stderr || packed.stdout).trim().slice(0, 500)}); ` +
          `without the npm registry, set settings.baseImages.${runtime} to an image that has it (e.g. public.ecr.aws/lambda/nodejs:${nodeMajor(runtime)})`,
      );
    }
    const tgz = (await fsp.readdir(tmp)).find((n) => n.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`npm pack ${pkg} wrote no tarball`);
    const out = path.join(tmp, 'x');
    await pipeline(
      createReadStream(path.join(tmp, tgz)),
      createGunzip(),
      tarFs.extract(out, { ignore: (_name, header) => header?.name !== 'package/bin/node' }) as unknown as NodeJS.WritableStream,
    );
    const bin = path.join(out, 'package', 'bin', 'node');
    if (!(await exists(bin))) throw new Error(`${pkg} holds no package/bin/node`);
    await fsp.chmod(bin, 0o755);
    await fsp.rename(bin, planned.path); // atomic: a concurrent fetcher's result is equally good
    progress(`cached ${planned.path}`);
    return planned;
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
