import { connect, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A unix socket that forwards to the real engine's socket: a Docker engine a test can take away
 * (`down`: the socket is gone and every open connection is cut, as when dockerd stops) and bring
 * back (`up`), without touching the engine other tests share.
 */
export class DockerSocketProxy {
  readonly dir = mkdtempSync(join(tmpdir(), 'docker-proxy-'));
  readonly socketPath = join(this.dir, 'docker.sock');
  private server: Server | undefined;
  private readonly open = new Set<Socket>();

  constructor(private readonly target = '/var/run/docker.sock') {}

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target);
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on('close', () => this.open.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(this.socketPath, () => res());
    });
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.open) s.destroy();
    this.open.clear();
    if (server) await new Promise<void>((res) => server.close(() => res()));
    rmSync(this.socketPath, { force: true });
  }

  async dispose(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
