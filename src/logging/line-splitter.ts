import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Longest line passed on whole: a longer one comes in pieces (CloudWatch's event limit is 256 KB). */
export const MAX_LINE_CHARS = 256 * 1024;

/** A writable that calls `onLine` for every complete line written to it. */
export function lineSplitter(onLine: (line: string) => void): Writable {
  let rest = '';
  const decoder = new StringDecoder('utf8'); // a character split across chunks stays whole
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = rest + decoder.write(chunk);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
      // Output without newlines must not pile up here.
      while (rest.length > MAX_LINE_CHARS) {
        onLine(rest.slice(0, MAX_LINE_CHARS));
        rest = rest.slice(MAX_LINE_CHARS);
      }
      done();
    },
    final(done) {
      rest += decoder.end();
      if (rest) onLine(rest);
      rest = '';
      done();
    },
  });
}
