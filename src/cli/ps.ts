import { fetchSnapshot } from './ps-snapshot';
import { renderSnapshot } from './ps-table';

/** A table of the live execution contexts of a running `up`. */
export async function psCommand(o: { endpoint: string }): Promise<void> {
  const snapshot = await fetchSnapshot(o.endpoint);
  process.stdout.write(renderSnapshot(snapshot, { color: process.stdout.isTTY === true }));
}
