import type { Server } from 'node:net';

/** Listens on a free port of 127.0.0.1 (never another interface: tests serve nothing to the network); returns the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** Closes the server and the connections it still holds (keep-alive ones would keep close() waiting). */
export async function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  await new Promise((r) => server.close(r));
}
