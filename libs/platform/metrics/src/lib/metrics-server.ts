import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, type Registry } from 'prom-client';

export interface MetricsServer {
  /** `http://127.0.0.1:<port>/metrics` (the port resolved when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  port: number;
  host: string;
  /** The registries served, read at each scrape: one per service in the process (standalone mode holds six). */
  registries: () => Registry[];
}

/**
 * `GET /metrics` on its own port (`METRICS_PORT`), never on the public API's: the series name
 * routes, subjects and volumes, which is for the operator's Prometheus, not the internet. Several
 * registries (one process, several services) are merged into one exposition, their series kept
 * apart by the `service` label.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: this port serves GET /metrics only\n');
      return;
    }
    exposition(options.registries()).then(
      ({ text, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : text),
      (error: unknown) =>
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await listen(server, options.port, options.host);
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function exposition(registries: Registry[]): Promise<{ text: string; contentType: string }> {
  if (registries.length === 1) return { text: await registries[0].metrics(), contentType: registries[0].contentType };
  const merged = AggregatorRegistry.aggregate(await Promise.all(registries.map((r) => r.getMetricsAsJSON())));
  return { text: await merged.metrics(), contentType: merged.contentType };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}
