import { createServer, type Socket } from 'node:net';

/**
 * A loopback TCP server that records every connection made to it and answers nothing: a
 * hostile test aims a channel at it and asserts that it saw no connection at all.
 */
export class TcpCanary {
  readonly connections: { remoteAddress?: string; at: number }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((socket) => {
    this.connections.push({ remoteAddress: socket.remoteAddress, at: Date.now() });
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  });
  port = 0;

  private constructor(readonly host: string) {}

  /** Listens on `host` (`127.0.0.1` or `::1`), on `port` (0: a free one). */
  static async start(host = '127.0.0.1', port = 0): Promise<TcpCanary> {
    const canary = new TcpCanary(host);
    await new Promise<void>((resolve, reject) => {
      canary.server.once('error', reject);
      canary.server.listen(port, host, () => resolve());
    });
    const address = canary.server.address();
    canary.port = typeof address === 'object' && address ? address.port : port;
    return canary;
  }

  /** `host:port` as a URL authority (`[::1]:p` for IPv6). */
  get authority(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
