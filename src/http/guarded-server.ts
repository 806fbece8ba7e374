import http from 'node:http';
import type { Socket } from 'node:net';

export interface GuardOptions {
  /** Sockets past this many are closed as soon as they are accepted (net.Server's maxConnections). */
  maxConnections: number;
  /** A request whose headers are not all in by then gets 408 (a silent new connection too). */
  headersTimeoutMs: number;
  /** Node's whole-request timeout (headers and body); 0: none (the routes time their bodies). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept; 0: as long as the client wants (capped in number). */
  keepAliveTimeoutMs: number;
  /** Decides on each new connection, before a byte of it is read; a refused socket is destroyed. */
  allowPeer?: (remoteAddress: string) => boolean | Promise<boolean>;
}

/**
 * An http.Server that no client can exhaust: capped connections, header timeouts, an optional
 * peer check. Requests go to `onRequest`; idle keep-alive connections are left alone (a runtime
 * keeps its connection to the Runtime API while its handler runs, for up to 900 s).
 */
export function guardedServer(opts: GuardOptions, onRequest: http.RequestListener): http.Server {
  const server = http.createServer(
    // Node checks the timeouts on this interval (30 s by default): check often enough to honour them.
    { connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(opts.headersTimeoutMs / 4))) },
    onRequest,
  );
  server.maxConnections = opts.maxConnections;
  server.headersTimeout = opts.headersTimeoutMs;
  server.requestTimeout = opts.requestTimeoutMs;
  server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  server.timeout = 0;
  if (opts.allowPeer) checkPeers(server, opts.allowPeer);
  return server;
}

function checkPeers(server: http.Server, allowPeer: NonNullable<GuardOptions['allowPeer']>): void {
  // Accepted sockets start paused: nothing is read from a peer before it is allowed.
  (server as unknown as { pauseOnConnect: boolean }).pauseOnConnect = true;
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return void socket.destroy();
    Promise.resolve()
      .then(() => allowPeer(address))
      .then(
        (allowed) => (allowed && !socket.destroyed ? socket.resume() : socket.destroy()),
        () => socket.destroy(),
      );
  });
}

/** Starts listening; after that, a failing listener (EMFILE on accept) is reported, never thrown. */
export async function listen(server: http.Server, port: number, host: string, onError: (err: Error) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
}

export function connectionCount(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}
