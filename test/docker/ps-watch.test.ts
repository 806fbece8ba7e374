import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import execa from 'execa';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { startFixtureOrchestrator } from '../helpers/orchestrator';
import { BIN, buildDist, ROOT } from '../helpers/cli';
import { waitFor } from '../helpers/wait';

/**
 * `orchestrator ps --watch` (docs/cli.md) in a real terminal (tmux, Debian's package): the table is
 * redrawn in place while a context appears (initializing), serves (busy), freezes and counts its
 * invocations; Ctrl-C ends it and gives the terminal its screen back; it says so and exits 0 when
 * the orchestrator goes away. Off a terminal it prints plain tables, one after another.
 * Every wait polls with a generous deadline: no wall-clock upper bound.
 */
jest.setTimeout(180_000);

const SOCKET_DIR = mkdtempSync(join(tmpdir(), 'orchestrator-ps-watch-'));
const SOCKET = join(SOCKET_DIR, 'tmux'); // a tmux server of this test's own
const DEADLINE_MS = 60_000;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8' });
}

/** Runs `ps --watch` in a new detached 200x50 terminal; the shell reports its exit status after it. */
function startPsWatch(session: string, url: string): void {
  const cmd = `'${process.execPath}' '${BIN}' ps --watch --interval 200 --endpoint ${url}; echo "ps exited with status $?"; sleep 3600`;
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-c', ROOT, cmd);
}

const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);
const alternateScreenOn = (session: string) => tmux('display-message', '-p', '-t', session, '#{alternate_on}').trim() === '1';

/** The rows of the table on screen, as cells. */
function rowsOf(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    )
    .filter((r) => r[0] !== 'ID');
}

/**
 * The row of the function's context that serves (stems, booted runtimes waiting to be claimed by
 * a cold start, have rows of their own); undefined unless there is exactly one.
 */
function serving(text: string, fn: string): string[] | undefined {
  const rows = rowsOf(text).filter((r) => r[1] === fn && r[2] !== 'stem');
  return rows.length === 1 ? rows[0] : undefined;
}

/** Polls the screen until `test` holds; fails with what the screen showed last. */
async function screenShows(session: string, what: string, test: (text: string) => boolean): Promise<string> {
  let text = '';
  await waitFor(
    () => `${what}; the screen showed:\n${text}`,
    () => test((text = screen(session))),
    DEADLINE_MS,
  );
  return text;
}

let orch: StartedOrchestrator;

beforeAll(async () => {
  try {
    execFileSync('tmux', ['-V']);
  } catch {
    throw new Error("tmux is missing: install Debian's tmux package (.ci/run does)");
  }
  await buildDist();
  ({ orch } = await startFixtureOrchestrator({
    echo: { code: 'pool-echo', timeout: 30 },
    slow: { code: 'pool-slow-init', environment: { INIT_MS: '3000' } },
  }));
}, 180_000);

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
  rmSync(SOCKET_DIR, { recursive: true, force: true });
  await orch?.stop();
});

describe('orchestrator ps --watch in a terminal', () => {
  it('redraws the table in place as contexts initialise, serve, freeze and count invocations', async () => {
    startPsWatch('live', orch.url);
    const first = await screenShows(
      'live',
      'the header and the table',
      (t) => /orchestrator ps http:\/\/\S+, every 0\.2s/.test(t) && /│ ID +│ FUNCTION/.test(t),
    );
    expect(rowsOf(first).filter((r) => r[2] !== 'stem')).toEqual([]); // nothing invoked yet
    expect(alternateScreenOn('live')).toBe(true);

    const slowCall = orch.invoke('slow', {});
    await screenShows('live', 'slow initializing', (t) => serving(t, 'slow')?.[2] === 'initializing');
    await slowCall;
    const slowFrozen = await screenShows('live', 'slow frozen after 1 invocation', (t) => {
      const r = serving(t, 'slow');
      return r?.[2] === 'frozen' && r[3] === '1';
    });
    expect(slowFrozen).toMatch(/^slow: 1 cold start\(s\), 0 warm start\(s\)/m);

    const busyCall = orch.invoke('echo', { sleepMs: 4000 });
    await screenShows('live', 'echo busy', (t) => serving(t, 'echo')?.[2] === 'busy');
    await busyCall;
    await screenShows('live', 'echo frozen after 1 invocation', (t) => serving(t, 'echo')?.slice(2, 4).join() === 'frozen,1');
    await orch.invoke('echo', {});
    await orch.invoke('echo', {});
    const after = await screenShows(
      'live',
      'echo frozen after 3 invocations',
      (t) => serving(t, 'echo')?.slice(2, 4).join() === 'frozen,3',
    );
    const echo = serving(after, 'echo')!;
    expect(echo[4]).toMatch(/^\d+\.\ds$/); // idle for
    expect(echo[5]).toMatch(/^\d+ MB$/); // memory used
    expect(echo[6]).toMatch(/^\d+\/1024$/); // pids
    expect(after).toMatch(/^echo: 1 cold start\(s\), 2 warm start\(s\)/m);

    // Redrawn in place: one frame on the screen, not tables scrolling past.
    expect(after.match(/orchestrator ps http/g)).toHaveLength(1);
    expect(after.match(/│ ID +│/g)).toHaveLength(1);
    // The idle time goes up from frame to frame while nothing happens.
    const idle = (t: string) => Number(serving(t, 'echo')![4].slice(0, -1));
    const idleBefore = idle(after);
    await screenShows('live', 'the idle time growing', (t) => idle(t) > idleBefore);
  });

  it('Ctrl-C ends it with status 0 and gives the terminal its screen back', async () => {
    tmux('send-keys', '-t', 'live', 'C-c');
    const text = await screenShows('live', 'the exit status', (t) => /ps exited with status \d+/.test(t));
    expect(text).toMatch(/ps exited with status 0/);
    expect(alternateScreenOn('live')).toBe(false);
    expect(text).not.toMatch(/│ ID +│/); // the table was on the alternate screen only
  });
});

describe('orchestrator ps --watch off a terminal', () => {
  it('prints plain tables one after another, without escape sequences, until SIGINT', async () => {
    const child = execa(process.execPath, [BIN, 'ps', '--watch', '--interval', '100', '--endpoint', orch.url], {
      cwd: ROOT,
      reject: false,
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    await waitFor('three frames', () => (out.match(/^orchestrator ps http/gm) ?? []).length >= 3, DEADLINE_MS);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(out).not.toContain('\x1b');
    const frames = out.split(/^(?=orchestrator ps http)/m);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const f of frames) expect(f).toMatch(/│ echo +│ frozen +│ 3 +│/);
  });
});

describe('when the orchestrator goes away', () => {
  it('says so and exits 0', async () => {
    startPsWatch('gone', orch.url);
    await screenShows('gone', 'the echo row', (t) => serving(t, 'echo') !== undefined);
    await orch.stop();
    const text = await screenShows('gone', 'the exit status', (t) => /ps exited with status \d+/.test(t));
    expect(text).toMatch(new RegExp(`orchestrator: ${orch.url.replace(/[.]/g, '\\.')} went away, stopped watching \\(.+\\)`));
    expect(text).toMatch(/ps exited with status 0/);
  });
});
