/**
 * The host base image a plan (src/images/host-base-plan.ts) describes, staged in a temp folder
 * (hard links where possible) and imported with `docker import` (POST /images/create?fromSrc=-),
 * so no registry is ever contacted. Every entry is root-owned, with the plan's modes.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import * as tarFs from 'tar-fs';
import { followDockerProgress, imageExists, splitRef } from './engine-images';
import { EMPTY_DIRS, GENERATED_FILES, type HostBasePlan } from './host-base-plan';

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

/** The staged folder as a tar stream: root-owned entries with the plan's modes, in sorted order. */
function packStaged(plan: HostBasePlan, dir: string, entries: string[]): NodeJS.ReadableStream {
  const fileModes = new Map<string, number>();
  for (const f of plan.files) fileModes.set(f.dest.replace(/^\/+/, ''), f.mode);
  for (const g of GENERATED_FILES) fileModes.set(g.dest.replace(/^\/+/, ''), g.mode);
  const dirModes = new Map<string, number>();
  for (const d of EMPTY_DIRS) dirModes.set(d.dest.replace(/^\/+/, ''), d.mode);
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
  return tarFs.pack(dir, packOptions) as unknown as NodeJS.ReadableStream;
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
    const tar = packStaged(plan, dir, (await fsp.readdir(dir)).sort());
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
