import { dockerFromEnv } from '../engine/client';
import { removeOrphanContexts } from '../engine/orphans';

/** Removes every container carrying this tool's labels, whoever made it (after a crash). */
export async function downCommand(): Promise<void> {
  const { removed } = await removeOrphanContexts(dockerFromEnv(), { all: true });
  process.stdout.write(`removed ${removed.length} container(s)\n`);
}
