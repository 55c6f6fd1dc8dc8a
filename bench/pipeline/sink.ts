import { createServer } from 'node:http';

/** The recipe's POST target: counts arrivals and when each order arrived. */
export interface Sink {
  url: string;
  /** order id → performance.now() at arrival */
  arrivals: Map<string, number>;
  arrived(): number;
  close(): void;
}

export async function startSink(): Promise<Sink> {
  const arrivals = new Map<string, number>();
  let arrived = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrived++;
      const order = (JSON.parse(Buffer.concat(chunks).toString()) as { order?: string }).order;
      if (order) arrivals.set(order, performance.now());
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/orders`,
    arrivals,
    arrived: () => arrived,
    close: () => server.close(),
  };
}
