/**
 * The warm floor: `docker unpause` of a raw container (paused, and seen paused, before
 * the clock starts) plus one HTTP round trip to the server in it, with no orchestrator.
 */
import type Docker from 'dockerode';
import type { RawServer } from './baseline';
import { waitPaused } from './docker-util';
import { msSince } from './stats';

export interface FloorSample {
  total: number;
  unpause: number;
  roundTrip: number;
}

export async function floorSample(docker: Docker, server: RawServer): Promise<FloorSample> {
  await server.pause();
  await waitPaused(docker, server.container.id);
  const t1 = process.hrtime.bigint();
  await server.unpause();
  const unpause = msSince(t1);
  const t2 = process.hrtime.bigint();
  await server.roundTrip();
  const roundTrip = msSince(t2);
  return { total: msSince(t1), unpause, roundTrip };
}

/** Until docker inspect shows `id` paused, ms since `since`: the first answer that says so (upper bound), and the send time of the last that did not (lower bound). */
export async function timeToPaused(docker: Docker, id: string, since: bigint, limitMs = 10_000): Promise<{ upper: number; lower: number }> {
  let lower = 0;
  for (;;) {
    const sent = msSince(since);
    const st = (await docker.getContainer(id).inspect()).State;
    const got = msSince(since);
    if (st.Paused) return { upper: got, lower };
    if (!st.Running) throw new Error(`container ${id.slice(0, 12)} is not running (${st.Status})`);
    if (got > limitMs) throw new Error(`container ${id.slice(0, 12)} was not paused ${limitMs} ms after the last response`);
    lower = sent;
  }
}
