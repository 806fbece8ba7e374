import execa from 'execa';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { startFixtureOrchestrator } from '../helpers/orchestrator';
import { BIN, buildDist, ROOT } from '../helpers/cli';
import { sleep, waitFor } from '../helpers/wait';

/**
 * Visibility (docs/cli.md): `orchestrator ps --endpoint URL` reads the live pool of a running
 * orchestrator: state (initializing, busy, frozen), invocations, idle for, memory used, age, and
 * the cold and warm starts of each function.
 */
jest.setTimeout(90_000);

/** The table's body rows as cells (cli-table3 draws │ between them). */
function rows(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

describe('orchestrator ps', () => {
  let orch: StartedOrchestrator;

  beforeAll(async () => {
    await buildDist();
    ({ orch } = await startFixtureOrchestrator({
      often: { code: 'pool-echo' },
      busy: { code: 'pool-echo', timeout: 20 },
      slow: { code: 'pool-slow-init', environment: { INIT_MS: '5000' } },
    }));
  }, 180_000);

  afterAll(async () => {
    await orch?.stop();
  });

  it('shows each context with its state, invocations, idle time, memory and age, and the cold/warm counts', async () => {
    for (let i = 0; i < 3; i++) await orch.invoke('often', { id: i });
    const busyCall = orch.invoke('busy', { sleepMs: 8000 });
    const slowCall = orch.invoke('slow', {});
    await waitFor('busy and initializing', async () => {
      // Stems (booted runtimes waiting for a cold start to claim them) have rows of their own.
      const states = new Map((await orch.contexts()).filter((c) => c.state !== 'stem').map((c) => [c.function, c.state]));
      return states.get('busy') === 'busy' && states.get('slow') === 'initializing' && states.get('often') === 'frozen';
    });
    await sleep(1000); // some idle time and age to show

    const { stdout, exitCode } = await execa(process.execPath, [BIN, 'ps', '--endpoint', orch.url], { cwd: ROOT });
    process.stdout.write(`${stdout}\n`);
    expect(exitCode).toBe(0);
    const [head, ...body] = rows(stdout);
    expect(head).toEqual(['ID', 'FUNCTION', 'STATE', 'INVOCATIONS', 'IDLE FOR', 'MEMORY USED', 'PIDS', 'AGE']);
    const byFn = new Map(body.filter((r) => r[2] !== 'stem').map((r) => [r[1], r]));
    const live = await orch.contexts();
    expect(body).toHaveLength(live.length);

    const often = byFn.get('often')!;
    expect(often[0]).toBe(live.find((c) => c.function === 'often' && c.state !== 'stem')!.id);
    expect(often.slice(2, 4)).toEqual(['frozen', '3']);
    expect(often[4]).toMatch(/^\d+\.\ds$/);
    expect(Number(often[4].slice(0, -1))).toBeGreaterThanOrEqual(1);
    expect(often[5]).toMatch(/^\d+ MB$/);
    expect(often[6]).toMatch(/^([2-9]|\d\d+)\/1024$/); // docker-init, node and node's threads
    expect(Number(often[7].slice(0, -1))).toBeGreaterThan(Number(often[4].slice(0, -1)));

    expect(byFn.get('busy')!.slice(2, 5)).toEqual(['busy', '0', '-']);
    expect(byFn.get('slow')!.slice(2, 5)).toEqual(['initializing', '0', '-']);

    expect(stdout).toMatch(/^often: 1 cold start\(s\), 2 warm start\(s\)$/m);
    await Promise.all([busyCall, slowCall]);
    const after = await execa(process.execPath, [BIN, 'ps', '--endpoint', orch.url], { cwd: ROOT });
    expect(after.stdout).toMatch(/^busy: 1 cold start\(s\), 0 warm start\(s\)$/m);
    expect(after.stdout).toMatch(/^slow: 1 cold start\(s\), 0 warm start\(s\)$/m);
  });

  it('says how to start one when nothing answers at the endpoint', async () => {
    const r = await execa(process.execPath, [BIN, 'ps', '--endpoint', 'http://127.0.0.1:9'], { cwd: ROOT, reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9.*orchestrator up/);
  });
});
