import http from 'node:http';
import type { Socket } from 'node:net';

export interface GuardOptions {
  /**
   * Open connections. Past this many, a new one takes the place of the oldest idle one (no request
   * in flight) when `evictIdle` is set; when none is idle (or eviction is off) it is closed at once.
   */
  maxConnections: number;
  /** A request whose headers are not all in by then gets 408 (a silent new connection too). */
  headersTimeoutMs: number;
  /** Node's whole-request timeout (headers and body); 0: none (the routes time their bodies). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept; 0: as long as the client wants (capped in number). */
  keepAliveTimeoutMs: number;
  /** A full server makes room by closing its oldest idle connection: idle sockets cannot lock clients out. */
  evictIdle?: boolean;
  /** A new connection whose first request's headers are not in by then is closed (0 or absent: headersTimeoutMs). */
  firstRequestTimeoutMs?: number;
  /** Requests with more header lines get 431 (Node would keep the first thousand or so and drop the rest silently). */
  maxHeaders?: number;
  /** Decides on each new connection, before a byte of it is read; a refused socket is destroyed. */
  allowPeer?: (remoteAddress: string) => boolean | Promise<boolean>;
}

/** What the server knows of one connection: its requests not yet answered, and since when it idles. */
interface Conn {
  inFlight: number;
  idleSince: number;
  requests: number;
}

/**
 * An http.Server that no client can exhaust: capped connections (the oldest idle one gives way to a
 * new one), header timeouts, a header count, an optional peer check. Requests go to `onRequest`.
 * A connection with a request in flight is never closed by the guard (an invocation may run 900 s).
 */
export function guardedServer(opts: GuardOptions, onRequest: http.RequestListener): http.Server {
  const server = http.createServer(
    {
      // Node checks the timeouts on this interval (30 s by default): check often enough to honour them.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(opts.headersTimeoutMs / 4))),
      // Every header is kept (their total size stays under Node's --max-http-header-size): the count is ours to check.
      ...(opts.maxHeaders !== undefined ? { maxHeadersCount: 0 } : {}),
    },
    (req, res) => {
      if (opts.maxHeaders !== undefined && req.rawHeaders.length / 2 > opts.maxHeaders) return tooManyHeaders(res);
      onRequest(req, res);
    },
  );
  server.headersTimeout = opts.headersTimeoutMs;
  server.requestTimeout = opts.requestTimeoutMs;
  server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  server.timeout = 0;
  capConnections(server, opts);
  if (opts.allowPeer) checkPeers(server, opts.allowPeer);
  return server;
}

/** Node's own answer to headers too large, for too many of them: the connection ends with it. */
function tooManyHeaders(res: http.ServerResponse): void {
  res.req.resume();
  res.writeHead(431, { connection: 'close', 'content-length': 0 });
  res.end();
}

function capConnections(server: http.Server, opts: GuardOptions): void {
  const conns = new Map<Socket, Conn>();
  const firstRequestMs = opts.firstRequestTimeoutMs || 0;
  server.prependListener('connection', (socket: Socket) => {
    if (conns.size >= opts.maxConnections && !(opts.evictIdle && evictOldestIdle(conns))) return void socket.destroy();
    const conn: Conn = { inFlight: 0, idleSince: Date.now(), requests: 0 };
    conns.set(socket, conn);
    socket.once('close', () => conns.delete(socket));
    if (firstRequestMs > 0) {
      const timer = setTimeout(() => conn.requests === 0 && socket.destroy(), firstRequestMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    }
  });
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const conn = conns.get(req.socket);
    if (!conn) return;
    conn.requests++;
    conn.inFlight++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      conn.inFlight--;
      conn.idleSince = Date.now();
    };
    res.once('finish', end);
    res.once('close', end);
  });
}

/** Closes the connection idle the longest (none in flight); false if every connection is busy. */
function evictOldestIdle(conns: Map<Socket, Conn>): boolean {
  let oldest: Socket | undefined;
  let since = Infinity;
  for (const [socket, c] of conns) {
    if (c.inFlight === 0 && c.idleSince < since) {
      oldest = socket;
      since = c.idleSince;
    }
  }
  if (!oldest) return false;
  conns.delete(oldest);
  oldest.destroy();
  return true;
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
