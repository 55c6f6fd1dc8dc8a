import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What the fake answers to one request. */
export interface Behaviour {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** Wait before answering, ms. */
  delayMs?: number;
  /** Never answer (the client's timeout must cut it). */
  hang?: boolean;
  /** Destroy the connection without an answer. */
  reset?: boolean;
  /** Send headers at once, then the body in pieces this far apart, ms. */
  slowBodyMs?: number;
  /** Redirect to this URL (with `status` 302 unless given). */
  redirectTo?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON when it is JSON. */
  json?: unknown;
  /** When the request (its whole body) arrived, epoch ms. */
  at: number;
}

/** Requests of one path being answered at once: now, and the most so far. */
export interface ConcurrencyGauge {
  current: number;
  peak: number;
}

type Script = Behaviour | Behaviour[] | ((req: RecordedRequest) => Behaviour);

/**
 * A scriptable third-party API on 127.0.0.1 for connector tests: each route answers from a
 * sequence of behaviours (the last one repeats) or a function of the request.
 */
export class FakeThirdParty {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, { script: Script; calls: number }>();
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private base = '';
  private readonly gauges = new Map<string, ConcurrencyGauge>();

  get url(): string {
    return this.base;
  }

  /** `path` is matched exactly (without query); `*` as method matches any. */
  on(method: string, path: string, script: Script): this {
    this.routes.set(`${method.toUpperCase()} ${path}`, { script, calls: 0 });
    return this;
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** How many requests to `path` are being answered now and at most were at once (from arrival to the end of the answer). */
  concurrency(path: string): ConcurrencyGauge {
    return { ...(this.gauges.get(path) ?? { current: 0, peak: 0 }) };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    this.base = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this.base;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      at: Date.now(),
    };
    try {
      recorded.json = body ? JSON.parse(body) : undefined;
    } catch {
      // not JSON: `body` has it
    }
    this.requests.push(recorded);
    const route = this.routes.get(`${recorded.method} ${recorded.path}`) ?? this.routes.get(`* ${recorded.path}`);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no such route in the fake' }));
      return;
    }
    const behaviour = pick(route.script, route.calls++, recorded);
    const gauge = this.gauges.get(recorded.path) ?? { current: 0, peak: 0 };
    this.gauges.set(recorded.path, gauge);
    gauge.current += 1;
    gauge.peak = Math.max(gauge.peak, gauge.current);
    let counted = true;
    const release = () => {
      if (counted) gauge.current -= 1;
      counted = false;
    };
    res.once('close', release);
    res.once('finish', release);
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (behaviour.hang) return;
    if (behaviour.reset) {
      req.socket.destroy();
      return;
    }
    if (behaviour.redirectTo) {
      res.writeHead(behaviour.status ?? 302, { location: behaviour.redirectTo }).end();
      return;
    }
    const payload = behaviour.json !== undefined ? JSON.stringify(behaviour.json) : (behaviour.text ?? '');
    const headers = { ...(behaviour.json !== undefined ? { 'content-type': 'application/json' } : {}), ...behaviour.headers };
    if (behaviour.slowBodyMs) {
      res.writeHead(behaviour.status ?? 200, headers);
      for (const piece of payload.match(/.{1,4}/gs) ?? []) {
        if (res.destroyed) return;
        res.write(piece);
        await sleep(behaviour.slowBodyMs);
      }
      res.end();
      return;
    }
    res.writeHead(behaviour.status ?? 200, headers).end(payload);
  }
}

function pick(script: Script, call: number, req: RecordedRequest): Behaviour {
  if (typeof script === 'function') return script(req);
  if (Array.isArray(script)) return script[Math.min(call, script.length - 1)];
  return script;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
