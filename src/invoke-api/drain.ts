import type { ServerResponse } from 'node:http';

/** Writes and, when the socket's buffer is full, waits for it to drain; a client gone throws. */
export async function writeOrWait(res: ServerResponse, data: Buffer): Promise<void> {
  if (res.destroyed || res.writableEnded) throw new Error('the client went away');
  if (res.write(data)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
