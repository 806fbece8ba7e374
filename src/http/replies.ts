import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Answers and ends the connection (Node destroys the socket once the answer is flushed): for a
 * request whose body did not arrive in time, the connection cannot carry another request.
 */
export function sendJsonAndClose(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, { connection: 'close' });
}
