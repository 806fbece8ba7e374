import { PassThrough } from 'node:stream';
import { streamLogSink } from '../../src/logging/log-sink';
import { escapeControlChars } from '../../src/logging/terminal-text';

describe("escapeControlChars (what a function printed, on up's terminal)", () => {
  it('shows control characters as text, as a log viewer does', () => {
    expect(escapeControlChars('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
    expect(escapeControlChars('\rREPORT fake')).toBe('\\rREPORT fake');
    expect(escapeControlChars('\x1b[2J\x1b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(escapeControlChars('a\x00b\x08c\x7fd\u009be\u0085f')).toBe('a\\x00b\\x08c\\x7fd\\x9be\\x85f');
    expect(escapeControlChars('x\ny')).toBe('x\\ny');
  });

  it('leaves tabs, printable text and other characters as they are', () => {
    const report = 'REPORT RequestId: abc\tDuration: 1.00 ms\tBilled Duration: 1 ms';
    expect(escapeControlChars(report)).toBe(report);
    expect(escapeControlChars('héllo wörld ✓ 🚀 \\x1b')).toBe('héllo wörld ✓ 🚀 \\x1b');
  });

  it("the terminal sink escapes the function's text, not its prefix", () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    streamLogSink(out).line('hello', '\rREPORT fake\x1b]0;pwned\x07');
    expect(chunks.join('')).toBe('hello | \\rREPORT fake\\x1b]0;pwned\\x07\n');
  });
});
