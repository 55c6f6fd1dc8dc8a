import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Answer {
  status: number;
  body: unknown;
}

/**
 * A local HTTP server on 127.0.0.1 standing in for the public API in component tests: the page's
 * origin is pointed at it, so the console's own client (`fetch` of `/v1/…`) makes real requests.
 * Each route answers what the test set; every request body is kept to be looked at.
 */
export class ApiStub {
  private server: Server | undefined;
  private answers = new Map<string, Answer>();
  private received: { route: string; query: string; body: unknown }[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readJson(req).then((body) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const route = `${req.method} ${url.pathname}`;
        this.received.push({ route, query: url.search.slice(1), body });
        const answer = this.answers.get(route) ?? { status: 404, body: { title: 'Not Found', detail: `no stub for ${route}` } };
        res.writeHead(answer.status, { 'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    // happy-dom's window: relative URLs resolve against this origin
    (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${port}/console/`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset(): void {
    this.answers.clear();
    this.received = [];
  }

  answer(method: string, path: string, status: number, body: unknown): void {
    this.answers.set(`${method} ${path}`, { status, body });
  }

  /** The query strings received for a route, in order. */
  queries(method: string, path: string): string[] {
    return this.received.filter((r) => r.route === `${method} ${path}`).map((r) => r.query);
  }

  /** The JSON bodies received for a route, in order. */
  bodies(method: string, path: string): unknown[] {
    return this.received.filter((r) => r.route === `${method} ${path}`).map((r) => r.body);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}
