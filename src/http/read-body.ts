import type { IncomingMessage } from 'node:http';

export interface BodyRead {
  data: Buffer;
  bytes: number;
  /** More than the limit arrived: data holds nothing; the rest was drained, not kept. */
  tooLarge: boolean;
}

/** Reads a request body up to `limit` bytes without holding more than that in memory. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () =>
      resolve(bytes > limit ? { data: Buffer.alloc(0), bytes, tooLarge: true } : { data: Buffer.concat(chunks), bytes, tooLarge: false }),
    );
    req.on('error', reject);
  });
}
