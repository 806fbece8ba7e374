/** Lambda's X-Amz-Log-Result carries the last 4 KB of an invocation's log. */
export const LOG_TAIL_BYTES = 4096;

/** The lines of one invocation, START..REPORT, kept for the log tail. */
export class InvocationLog {
  private readonly lines: string[] = [];

  add(text: string): void {
    this.lines.push(text);
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
