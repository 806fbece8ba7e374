import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** A whole answer in one write, its length said up front. */
export function sendBytes(res: ServerResponse, status: number, body: Buffer, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
}

/** An answer with no body (its length said: 0, so a keep-alive client need not wait for more). */
export function sendEmpty(res: ServerResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  sendBytes(res, status, Buffer.alloc(0), headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json', ...headers });
}

/**
 * Answers and ends the connection (Node destroys the socket once the answer is flushed): for a
 * request whose body did not arrive in time, the connection cannot carry another request.
 */
export function sendJsonAndClose(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, { connection: 'close' });
}
