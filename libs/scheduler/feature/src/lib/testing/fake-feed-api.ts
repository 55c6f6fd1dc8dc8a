import { createServer, type Server } from 'node:http';

export interface FeedItem {
  id: number;
  title: string;
}

/**
 * A third-party API with cursor pagination, as a local HTTP server:
 * `GET /feeds/:feed/items?after=<id>&limit=<n>` → `{ items, hasMore }`, oldest first.
 * `failNext` makes the next requests answer 500.
 */
export class FakeFeedApi {
  readonly feeds = new Map<string, FeedItem[]>();
  readonly requests: string[] = [];
  failNext = 0;
  private server?: Server;
  url = '';

  add(feed: string, count: number): void {
    const items = this.feeds.get(feed) ?? [];
    for (let i = 0; i < count; i++) items.push({ id: items.length + 1, title: `${feed} item ${items.length + 1}` });
    this.feeds.set(feed, items);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      this.requests.push(url.pathname + url.search);
      const match = /^\/feeds\/([a-z_]+)\/items$/.exec(url.pathname);
      if (this.failNext > 0) {
        this.failNext--;
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"upstream exploded"}');
        return;
      }
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 3);
      const newer = (this.feeds.get(match[1]) ?? []).filter((i) => i.id > after);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: newer.slice(0, limit), hasMore: newer.length > limit }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
