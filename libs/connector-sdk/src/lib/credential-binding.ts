import type { Credentials } from './auth';
import { FatalError } from './errors';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client';

/**
 * Where a connection's credentials may go. An entry is `host`, `host:port` or `*.domain` (any
 * subdomain, not the domain itself), optionally prefixed `http://`: without it only https is
 * allowed, so a recipe cannot downgrade a credential to plain text by naming an http URL.
 */
export interface HostRule {
  scheme: 'https:' | 'http:';
  /** Lower-case host name or IP (IPv6 without brackets); `*.x` matches subdomains of x. */
  host: string;
  /** Undefined: the scheme's default port only. */
  port?: number;
}

/** A credential would have gone to a host it is not bound to; nothing was sent. */
export class CredentialHostError extends FatalError {
  override readonly name: string = 'CredentialHostError';
}

const HOST_RE = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$/;

/** Parses one allowed-host entry; throws a FatalError naming the entry when it is not one. */
export function parseHostRule(entry: string): HostRule {
  const text = entry.trim().toLowerCase();
  const scheme = text.startsWith('http://') ? 'http:' : 'https:';
  const rest = text.replace(/^https?:\/\//, '');
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(rest);
  const plain = /^([^:/[\]]+)(?::(\d{1,5}))?$/.exec(rest);
  const match = bracketed ?? plain;
  if (!match || (!bracketed && !HOST_RE.test(match[1]))) throw new FatalError(`allowed host "${entry}" is not a host, host:port or *.domain`);
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) throw new FatalError(`allowed host "${entry}" has an invalid port`);
  return { scheme, host: match[1], ...(port !== undefined ? { port } : {}) };
}

/** The connection's `allowedHosts` field: entries separated by commas or white space. */
export function parseAllowedHosts(field: string | undefined): HostRule[] {
  if (!field) return [];
  return field
    .split(/[\s,]+/)
    .filter((e) => e.length > 0)
    .map(parseHostRule);
}

export function hostAllowed(url: URL, rules: HostRule[]): boolean {
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  const port = url.port === '' ? undefined : Number(url.port);
  return rules.some((r) => {
    if (r.scheme !== url.protocol) return false;
    if (r.port !== port) return false;
    return r.host.startsWith('*.') ? host.endsWith(r.host.slice(1)) && host.length > r.host.length - 1 : host === r.host;
  });
}

export function describeRules(rules: HostRule[]): string {
  if (rules.length === 0) return '(none declared)';
  return rules.map((r) => `${r.scheme === 'http:' ? 'http://' : ''}${r.host.includes(':') ? `[${r.host}]` : r.host}${r.port ? `:${r.port}` : ''}`).join(', ');
}

/** The raw secret strings of the credentials (host rules and the kind are not secret). */
export function rawSecrets(credentials: Credentials | undefined): string[] {
  if (!credentials) return [];
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.length > 0) out.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const [key, value] of Object.entries(credentials)) if (key !== 'kind' && key !== 'tokenType') walk(value);
  return out;
}

/**
 * Every form in which this client can put a secret on the wire or into a response that echoes
 * it: raw, percent-encoded (path/query), form-encoded, JSON-escaped, base64 and base64url, and
 * the Basic `user:pass` pair in base64. Longest first, so a scrubber replaces whole forms.
 */
export function secretForms(credentials: Credentials | undefined): string[] {
  const forms = new Set<string>();
  const add = (s: string): void => {
    if (s.length === 0) return;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(new URLSearchParams({ s }).toString().slice(2));
    forms.add(JSON.stringify(s).slice(1, -1));
    const b64 = Buffer.from(s).toString('base64');
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
    forms.add(Buffer.from(s).toString('base64url'));
  };
  for (const s of rawSecrets(credentials)) add(s);
  if (credentials?.kind === 'basic') add(`${credentials.username}:${credentials.password}`);
  return [...forms].sort((a, b) => b.length - a.length);
}

const ALWAYS_CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * Wraps the connectors' HTTP client for one action run with one connection: a request that
 * carries the connection's credentials (in any header, the URL or the body, in any of the forms
 * above) to a host the credentials are not bound to fails before anything is sent, and the
 * headers and query parameters that carry them are marked so a redirect to another origin drops
 * them. Connector code cannot forget the check: executeAction and the trigger handlers install it.
 */
export class CredentialBoundHttpClient implements HttpClient {
  private readonly forms: string[];

  constructor(
    private readonly inner: HttpClient,
    credentials: Credentials,
    private readonly rules: HostRule[],
    /** Names the credential in errors (e.g. `connection conn_…`). */
    private readonly label = 'the connection',
  ) {
    this.forms = secretForms(credentials);
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const headers = Object.entries(req.headers ?? {}).filter(([name, value]) => ALWAYS_CREDENTIAL_HEADERS.has(name.toLowerCase()) || this.holds(value));
    const query = Object.entries(req.query ?? {}).filter(([, value]) => value !== undefined && this.holds(String(value)));
    const inUrl = [...url.searchParams].filter(([, value]) => this.holds(value));
    const urlItself = url.username !== '' || url.password !== '' || this.holds(url.pathname) || this.holds(decodeURIComponentSafe(url.pathname));
    const body = req.body !== undefined && this.holds(JSON.stringify(req.body));
    const carries =
      headers.some(([name, value]) => !ALWAYS_CREDENTIAL_HEADERS.has(name.toLowerCase()) || this.holds(value)) || query.length > 0 || inUrl.length > 0 || urlItself || body;
    if (carries && !hostAllowed(url, this.rules)) {
      throw new CredentialHostError(
        `refused to send the credentials of ${this.label} to ${url.protocol}//${url.host}: they are bound to ${describeRules(this.rules)} ` +
          `(declare more hosts in the connection's allowedHosts field)`,
      );
    }
    return this.inner.request({
      ...req,
      credentialParts: {
        headers: headers.map(([name]) => name.toLowerCase()),
        query: [...query, ...inUrl].map(([name]) => name),
        body,
      },
    });
  }

  private holds(value: string): boolean {
    return this.forms.some((form) => value.includes(form));
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
