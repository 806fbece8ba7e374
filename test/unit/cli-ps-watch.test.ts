import { join } from 'node:path';
import { defaultConfigFile } from '../../src/cli/config-file';
import { EndpointUnreachable, type PsSnapshot } from '../../src/cli/ps-snapshot';
import { watchPs, type PsWatchDeps } from '../../src/cli/ps-watch';
import { composeFrame, plainScreen } from '../../src/cli/screen';
import { sleep, waitFor } from '../helpers/wait';

const row = (invocations: number): PsSnapshot => ({
  contexts: [
    {
      id: 'c1',
      function: 'hello',
      state: 'frozen',
      invocations,
      idleForMs: 1500,
      memoryUsedMb: 41,
      pids: 7,
      ageMs: 9000,
      provisioned: false,
      containerId: 'x',
    },
  ],
  functions: { hello: { coldStarts: 1, warmStarts: invocations - 1 } },
});

describe('composeFrame', () => {
  it('draws from the top-left corner, clears each line after it and the screen below, in one string', () => {
    expect(composeFrame('a\nbb\n', 24)).toBe('\x1b[Ha\x1b[K\r\nbb\x1b[K\x1b[J');
  });

  it('cuts a frame taller than the terminal and says so on the last row', () => {
    const f = composeFrame('1\n2\n3\n4\n5', 3);
    expect(f).toBe('\x1b[H1\x1b[K\r\n2\x1b[K\r\n... 3 more line(s): enlarge the terminal\x1b[K\x1b[J');
    expect(f.split('\r\n')).toHaveLength(3); // never a newline past the last row: nothing scrolls
  });
});

describe('watchPs', () => {
  function deps(fetches: Array<PsSnapshot | Error>): { d: PsWatchDeps; frames: string[]; stop: () => void } {
    const frames: string[] = [];
    let stop = () => undefined as void;
    let i = 0;
    const d: PsWatchDeps = {
      fetch: async () => {
        const next = fetches[Math.min(i++, fetches.length - 1)];
        if (next instanceof Error) throw next;
        return next;
      },
      screen: { frame: (t) => frames.push(t), close: () => undefined },
      color: false,
      intervalMs: 1,
      header: () => 'HEADER',
      onResize: () => () => undefined,
      onStop: (s) => {
        stop = s;
        return () => (stop = () => undefined);
      },
    };
    return { d, frames, stop: () => stop() };
  }

  it('redraws the table with each answer, shows an error answer in its place and keeps going, ends when the endpoint goes away', async () => {
    const { d, frames } = deps([
      row(1),
      row(2),
      new Error('http://x answered 500: oops'),
      row(3),
      new EndpointUnreachable('http://x', 'connect ECONNREFUSED'),
    ]);
    const end = await watchPs(d);
    expect(end).toEqual({ reason: 'gone', why: 'connect ECONNREFUSED' });
    expect(frames).toHaveLength(4);
    expect(frames.every((f) => f.startsWith('HEADER\n\n'))).toBe(true);
    expect(frames[0]).toMatch(/│ c1 +│ hello +│ frozen +│ 1 +│ 1\.5s +│ 41 MB +│ 7\/1024 +│ 9\.0s +│/);
    expect(frames[1]).toMatch(/│ frozen +│ 2 +│/);
    expect(frames[2]).toBe('HEADER\n\nhttp://x answered 500: oops\n');
    expect(frames[3]).toMatch(/^hello: 1 cold start\(s\), 2 warm start\(s\)$/m);
  });

  it('ends on a stop (Ctrl-C) and draws nothing after it', async () => {
    const { d, frames, stop } = deps([row(1)]);
    const ended = watchPs(d);
    await waitFor('three frames drawn', () => frames.length >= 3, 30_000, 1);
    stop();
    expect(await ended).toEqual({ reason: 'stopped' });
    const drawn = frames.length;
    await sleep(20);
    expect(frames).toHaveLength(drawn);
  });
});

describe('plainScreen', () => {
  it('writes one frame after another, a blank line between them', () => {
    let out = '';
    const s = plainScreen({ write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream);
    s.frame('one\n');
    s.frame('two\n');
    expect(out).toBe('one\n\ntwo\n');
  });
});

describe('defaultConfigFile', () => {
  const has =
    (...files: string[]) =>
    (p: string) =>
      files.map((f) => join('/p', f)).includes(p);
  it('prefers functions.yaml, then sam build output, then template.yaml/.yml/.json', () => {
    expect(defaultConfigFile('/p', has('template.yaml', 'functions.yaml'))).toBe('functions.yaml');
    expect(defaultConfigFile('/p', has('template.yaml', '.aws-sam/build/template.yaml'))).toBe('.aws-sam/build/template.yaml');
    expect(defaultConfigFile('/p', has('template.yml'))).toBe('template.yml');
    expect(() => defaultConfigFile('/p', has())).toThrow(/no functions\.yaml, .*template\.json in \/p: give one with -f/);
  });
});
