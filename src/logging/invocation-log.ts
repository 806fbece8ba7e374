import { LOG_TAIL_BYTES } from '../lambda-limits';

/**
 * The lines of one invocation, START..REPORT, kept for the log tail: only as many of the last
 * lines as cover LOG_TAIL_BYTES, however much the function prints.
 */
export class InvocationLog {
  private readonly lines: string[] = [];
  private bytes = 0;

  add(text: string): void {
    this.lines.push(text);
    this.bytes += Buffer.byteLength(text) + 1;
    while (this.lines.length > 1 && this.bytes - (Buffer.byteLength(this.lines[0]) + 1) >= LOG_TAIL_BYTES) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
    }
  }

  text(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }

  /** Base64 of the last 4 KB, as X-Amz-Log-Result. */
  tailBase64(): string {
    const all = Buffer.from(this.text(), 'utf8');
    return all.subarray(Math.max(0, all.length - LOG_TAIL_BYTES)).toString('base64');
  }
}
