import { errors as undiciErrors, request, type Agent, type Dispatcher } from 'undici';
import { AddressPolicy, Fence, fencedDispatcher, type Resolver } from '@junction/platform/fence';
import { FatalError, RetryableError } from './errors';
import { deadline, type Deadline } from './deadline';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export type HttpBody = { json: unknown } | { form: Record<string, string> } | { text: string; contentType?: string };

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  body?: HttpBody;
  /** `auto` parses JSON when the response says it is JSON. */
  responseType?: 'auto' | 'json' | 'text';
  /** Whole request, first byte to last, ms. */
  timeoutMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /**
   * Which parts of the request carry credentials (set by the credential binding). Authorization,
   * Proxy-Authorization and Cookie are treated as credentials whether listed or not.
   */
  credentialParts?: { headers?: string[]; query?: string[]; body?: boolean };
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The URL that answered, after redirects. */
  url: string;
}

/** Calls out to third parties. Never throws for an HTTP status: the caller maps statuses. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** The fence refused the destination: a private, loopback, link-local or metadata address. */
export class BlockedAddressError extends FatalError {
  override readonly name: string = 'BlockedAddressError';
}

export type { Resolver } from '@junction/platform/fence';

export interface HttpClientOptions {
  /** The fence every connection goes through; built from `policy` and `resolver` when not given. */
  fence?: Fence;
  /** Without a fence or a policy, only public addresses are reachable. */
  policy?: AddressPolicy;
  resolver?: Resolver;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Default whole-request timeout, ms. */
  timeoutMs?: number;
  /** Largest response body read, bytes; larger answers fail (fatal) instead of exhausting memory. */
  maxResponseBytes?: number;
  /** Keep-alive connections per origin. */
  connectionsPerOrigin?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * undici with the SSRF fence in its connector: every connection — first request and each
 * redirect — resolves the host through the fence, which checks every address (and the port) and
 * hands back the checked address to connect to, so DNS rebinding between check and connect is
 * not possible. TLS still verifies the certificate against the host name.
 */
export class FencedHttpClient implements HttpClient {
  readonly dispatcher: Agent;
  readonly fence: Fence;

  constructor(private readonly options: HttpClientOptions) {
    this.fence = options.fence ?? new Fence({ policy: options.policy ?? new AddressPolicy([]), resolver: options.resolver });
    this.dispatcher = fencedDispatcher(this.fence, {
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      refusal: (error) => new BlockedAddressError(error.message),
      connections: options.connectionsPerOrigin ?? 64,
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      bodyTimeout: options.bodyTimeoutMs ?? 30_000,
      keepAliveTimeout: 10_000,
    });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const timeout = deadline(timeoutMs, req.signal);
    try {
      return await this.send(req, timeoutMs, timeout);
    } finally {
      timeout.release();
    }
  }

  private async send(req: HttpRequest, timeoutMs: number, timeout: Deadline): Promise<HttpResponse> {
    const { signal } = timeout;
    let url = withQuery(req.url, req.query);
    let method: HttpMethod = req.method;
    let body = req.body;
    const maxRedirects = req.maxRedirects ?? 5;
    let sentHeaders = req.headers;
    for (let hop = 0; ; hop++) {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new FatalError(`only http and https URLs are allowed, not ${target.protocol}`);
      const { headers, payload } = encodeBody(body, sentHeaders);
      let res: Dispatcher.ResponseData<unknown>;
      try {
        res = await request(url, { method, headers, body: payload, dispatcher: this.dispatcher, signal, maxRedirections: 0 } as Parameters<typeof request>[1]);
      } catch (error) {
        throw this.networkError(error, timeout.timedOut, timeoutMs, target.host);
      }
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
        await res.body.dump();
        if (hop >= maxRedirects) throw new FatalError(`more than ${maxRedirects} redirects`);
        const next = new URL(location, url);
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        if (crossesOrigin(target, next)) {
          // once dropped, credentials stay dropped: a later hop back to the first origin gets none either
          if (body !== undefined && req.credentialParts?.body)
            throw new FatalError(`refused to re-send a body holding credentials to ${next.protocol}//${next.host} on a redirect`);
          sentHeaders = withoutCredentialHeaders(sentHeaders, req.credentialParts?.headers);
          for (const name of req.credentialParts?.query ?? []) next.searchParams.delete(name);
        }
        url = next.toString();
        continue;
      }
      const parsed = await this.readBody(res, req.responseType ?? 'auto', timeout.timedOut, timeoutMs, target.host);
      return { status: res.statusCode, headers: res.headers, body: parsed, url };
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async readBody(res: Dispatcher.ResponseData<unknown>, type: 'auto' | 'json' | 'text', _aborted: boolean, timeoutMs: number, host: string): Promise<unknown> {
    const limit = this.options.maxResponseBytes ?? 10 * 1024 * 1024;
    const declared = Number(res.headers['content-length']);
    if (declared > limit) {
      res.body.destroy();
      throw new FatalError(`response of ${declared} bytes exceeds the limit of ${limit}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > limit) {
          res.body.destroy();
          throw new FatalError(`response exceeds the limit of ${limit} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof FatalError) throw error;
      throw this.networkError(error, false, timeoutMs, host);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = String(res.headers['content-type'] ?? '');
    const wantsJson = type === 'json' || (type === 'auto' && /\bjson\b/i.test(contentType));
    if (!wantsJson || text === '') return text;
    try {
      return JSON.parse(text);
    } catch {
      if (type === 'json') throw new FatalError('response is not valid JSON');
      return text;
    }
  }

  private networkError(error: unknown, timedOut: boolean, timeoutMs: number, host: string): Error {
    if (error instanceof BlockedAddressError || error instanceof FatalError || error instanceof RetryableError) return error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof BlockedAddressError) return cause;
    if (timedOut || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) {
      return new RetryableError(`${host} did not answer within ${timeoutMs} ms`);
    }
    const code = (error as { code?: string }).code ?? (cause as { code?: string } | undefined)?.code;
    return new RetryableError(`network error calling ${host}${code ? ` (${code})` : ''}`);
  }
}

/** A redirect to another scheme, host or port (https→http included) must not carry credentials along. */
export function crossesOrigin(from: URL, to: URL): boolean {
  return from.origin !== to.origin;
}

const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

export function withoutCredentialHeaders(headers: Record<string, string> | undefined, extra: string[] | undefined): Record<string, string> | undefined {
  if (!headers) return headers;
  const drop = new Set([...CREDENTIAL_HEADERS, ...(extra ?? []).map((h) => h.toLowerCase())]);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop.has(name.toLowerCase())));
}

function withQuery(url: string, query: HttpRequest['query']): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

function encodeBody(body: HttpBody | undefined, base: Record<string, string> | undefined): { headers: Record<string, string>; payload?: string } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(base ?? {})) headers[k.toLowerCase()] = v;
  if (!body) return { headers };
  if ('json' in body) {
    headers['content-type'] ??= 'application/json';
    return { headers, payload: JSON.stringify(body.json) };
  }
  if ('form' in body) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return { headers, payload: new URLSearchParams(body.form).toString() };
  }
  headers['content-type'] ??= body.contentType ?? 'text/plain; charset=utf-8';
  return { headers, payload: body.text };
}
