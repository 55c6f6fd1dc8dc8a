import { CliError, EXIT } from '../exit-codes';
import type { Target } from '../config/profiles';

/** An RFC 9457 problem document as the gateway sends it; `errors` lists field errors (JSON pointers). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  errorCount?: number;
}

/** The API said no: a problem document put in words. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    what: string,
  ) {
    super(describeProblem(status, problem, what), status === 401 || status === 403 ? EXIT.auth : EXIT.error);
  }
}

export function describeProblem(status: number, problem: Problem, what: string): string {
  const head = `${what}: ${problem.title ?? `HTTP ${status}`}${problem.detail ? ` — ${problem.detail}` : ''} (${status})`;
  const fields = (problem.errors ?? []).map((e) => `  ${e.path || '(the whole body)'}: ${e.message}`);
  const more = problem.errorCount && problem.errorCount > fields.length ? [`  … and ${problem.errorCount - fields.length} more`] : [];
  return [head, ...fields, ...more].join('\n');
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses answered as a value instead of thrown (e.g. 404 when looking something up). */
  accept?: number[];
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** The public `/v1` API over HTTP, with the profile's bearer key; nothing else. */
export class ApiClient {
  constructor(readonly target: Target) {}

  url(path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(`${this.target.url}${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  /** Sends one request; a non-2xx answer becomes an ApiError naming `what` failed. */
  async request<T>(method: string, path: string, what: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const res = await this.raw(method, path, what, options);
    const text = await res.text();
    const body = parseBody(text);
    if (res.ok || options.accept?.includes(res.status)) return { status: res.status, body: body as T, headers: res.headers };
    throw new ApiError(res.status, typeof body === 'object' && body !== null ? (body as Problem) : { detail: String(body).slice(0, 200) }, what);
  }

  async get<T>(path: string, what: string, query?: RequestOptions['query']): Promise<T> {
    return (await this.request<T>('GET', path, what, { query })).body;
  }

  /** The response itself (streams: SSE, NDJSON); the caller reads the body. */
  async raw(method: string, path: string, what: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.target.apiKey}`, accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(this.url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`${what}: cannot reach ${this.target.url} (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
  }

  /** Every item of a cursor-paginated list (`items` + `nextCursor`). */
  async listAll<T>(path: string, what: string, query: RequestOptions['query'] = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor?: string }>(path, what, { ...query, limit: 100, cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}

function parseBody(text: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
