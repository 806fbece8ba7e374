import { Writable } from 'node:stream';

/** A writable that calls `onLine` for every complete line written to it. */
export function lineSplitter(onLine: (line: string) => void): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = rest + chunk.toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
      done();
    },
    final(done) {
      if (rest) onLine(rest);
      rest = '';
      done();
    },
  });
}
