/**
 * What the engine says about images: whether a reference exists, how a build's or an import's JSON
 * progress stream ended, and a reference split into repository and tag.
 */
import type Dockerode from 'dockerode';
import { isNotFound } from '../engine/client';

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

/** Consume a Docker JSON progress stream; rejects on a stream error, resolves with the `error` events' messages. */
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

/** `repo/name:tag` as [`repo/name`, `tag`] (the tag is after the last colon). */
export function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return [ref.slice(0, colon), ref.slice(colon + 1)];
}
