/**
 * The offline base image every runtime image builds on when `base: host`: assembled from this
 * host's own files (src/images/host-base-plan.ts says which), imported without a registry
 * (src/images/host-base-import.ts), once per content hash and once at a time (src/images/build-lock.ts).
 * The language runtimes themselves (node, python) are added per runtime image at /var/lang
 * (src/images/runtime-recipes.ts), so the base is shared by every runtime.
 */
import type Dockerode from 'dockerode';
import { buildOnce } from './build-lock';
import { imageExists } from './engine-images';
import { importHostBase } from './host-base-import';
import { planHostBase } from './host-base-plan';

/** The tag `ensureHostBaseImage` would produce on this host (no Docker call). */
export async function hostBaseImageRef(): Promise<string> {
  return (await planHostBase()).tag;
}

/**
 * Make sure the host base image exists and return its tag
 * (`lambda-orchestrator/base:host-<hash12>`). Builds it (a few seconds, ~100 MB) when missing.
 */
export async function ensureHostBaseImage(docker: Dockerode, onProgress?: (line: string) => void): Promise<string> {
  const plan = await planHostBase();
  if (await imageExists(docker, plan.tag)) return plan.tag;
  await buildOnce(docker, plan.tag, () => importHostBase(docker, plan, onProgress));
  return plan.tag;
}
