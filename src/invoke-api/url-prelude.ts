import { httpHead, type UrlReply } from './url-response';

/** The content type of a stream that HttpResponseStream.from framed. */
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);
/** A prelude is status, headers and cookies: past this, it is not one. */
const MAX_PRELUDE_BYTES = 64 * 1024;

export type PreludeStep = { kind: 'more' } | { kind: 'head'; head: Omit<UrlReply, 'body'>; rest: Buffer } | { kind: 'invalid' };

/** Reads HttpResponseStream.from's framing: JSON metadata, 8 NUL bytes, then the body. */
export class PreludeReader {
  private buffered = Buffer.alloc(0);

  /** Bytes read and not yet a prelude. */
  pending(): number {
    return this.buffered.length;
  }

  feed(chunk: Buffer): PreludeStep {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const at = this.buffered.indexOf(DELIMITER);
    if (at < 0) return this.buffered.length > MAX_PRELUDE_BYTES ? { kind: 'invalid' } : { kind: 'more' };
    let meta: unknown;
    try {
      meta = JSON.parse(this.buffered.subarray(0, at).toString('utf8'));
    } catch {
      return { kind: 'invalid' };
    }
    const head =
      typeof meta === 'object' && meta !== null && !Array.isArray(meta)
        ? httpHead(meta as Record<string, unknown>, 'application/octet-stream')
        : undefined;
    if (!head) return { kind: 'invalid' };
    return { kind: 'head', head, rest: this.buffered.subarray(at + DELIMITER.length) };
  }
}
