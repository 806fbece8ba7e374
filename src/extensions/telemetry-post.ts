import http from 'node:http';
import type { Post } from './telemetry-buffer';

/**
 * Delivers batches over HTTP to the extension's listener: to `sandbox.localdomain`'s port at the
 * container's address (where the orchestrator reaches it), with the Host header the extension
 * subscribed with. Requests have no timeout of their own: a frozen container answers when thawed.
 */
export class TelemetryPoster {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly requests = new Set<http.ClientRequest>();
  private closed = false;

  constructor(private readonly address: () => Promise<string>) {}

  readonly post: Post = async (uri, body) => {
    if (this.closed) return false;
    const host = await this.address();
    if (this.closed) return false;
    return new Promise<boolean>((resolve) => {
      const req = http.request(
        {
          host,
          port: Number(uri.port),
          path: `${uri.pathname}${uri.search}`,
          method: 'POST',
          agent: this.agent,
          headers: { host: uri.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300));
          res.on('error', () => resolve(false));
        },
      );
      this.requests.add(req);
      req.on('error', () => resolve(false));
      req.on('close', () => {
        this.requests.delete(req);
        resolve(false); // no-op once settled; covers a socket closed mid-response
      });
      req.end(body);
    });
  };

  close(): void {
    this.closed = true;
    for (const req of this.requests) req.destroy();
    this.agent.destroy();
  }
}
