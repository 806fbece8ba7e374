import Docker from 'dockerode';
import { removeOrphanContexts } from '../src/engine/orphans';

/**
 * After every run, even a failed one: remove contexts whose orchestrator is gone (jest workers
 * that crashed or were killed mid-test). Live orchestrators' containers are left alone.
 */
export default async function globalTeardown(): Promise<void> {
  const { removed } = await removeOrphanContexts(new Docker());
  if (removed.length > 0) process.stderr.write(`global teardown: removed ${removed.length} leaked context(s)\n`);
}
