import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { MAX_LOG_LINE_CHARS } from '../lambda-limits';

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
      while (rest.length > MAX_LOG_LINE_CHARS) {
        onLine(rest.slice(0, MAX_LOG_LINE_CHARS));
        rest = rest.slice(MAX_LOG_LINE_CHARS);
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
