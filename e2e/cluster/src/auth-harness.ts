import { randomBytes } from 'node:crypto';
import { connect, headers as natsHeaders, type NatsConnection, type Subscription } from 'nats';
import { Client } from 'pg';
import { databaseUrl, dropDatabase } from '@junction/platform/database';
import { TEST_SERVERS, dropNatsNamespace, startServiceProcess, uniqueNamespace, type ServiceProcess } from '@junction/shared/testing';

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
  type: string | null;
  headers: Headers;
}

export interface NatsReply {
  ok: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/**
 * Gateway and auth as real processes over real NATS, Postgres and Redis, for the auth suites.
 * The connector catalog is not filled yet (`ConnectorsFeatureModule.forRoot([])`), so a stand-in
 * answers `connectors.get.v1` on the wire for one connector, `http`, and `not_found` otherwise —
 * what the connectors service answers for a registered and an unknown key.
 */
export class AuthCluster {
  readonly rootToken = randomBytes(32).toString('base64url');
  /** Every response body (HTTP and NATS) received, for the no-secret-leaves checks. */
  readonly bodies: string[] = [];
  gateway!: ServiceProcess;
  auths: ServiceProcess[] = [];
  private readonly retired: ServiceProcess[] = [];
  nc!: NatsConnection;
  db!: Client;
  private catalog?: Subscription;
  private readonly base: Record<string, string>;

  constructor(readonly namespace = uniqueNamespace('e2e_auth')) {
    this.base = { JUNCTION_NAMESPACE: namespace, NATS_URL: TEST_SERVERS.nats, REDIS_URL: TEST_SERVERS.redis, DATABASE_URL: TEST_SERVERS.postgres };
  }

  static masterKey(id: string): string {
    return `${id}:${randomBytes(32).toString('base64')}`;
  }

  async start(masterKeys: string, authReplicas = 1): Promise<this> {
    this.nc = await connect({ servers: TEST_SERVERS.nats });
    this.catalog = this.nc.subscribe(`${this.namespace}.connectors.get.v1`, {
      queue: `${this.namespace}.connectors.get.v1`,
      callback: (_err, msg) => {
        const { key } = JSON.parse(new TextDecoder().decode(msg.data)) as { key: string };
        const reply =
          key === 'http'
            ? { ok: true, data: { key: 'http', version: '1.0.0', displayName: 'HTTP', authKinds: ['api_key', 'oauth2'], actions: [], triggers: [] } }
            : { ok: false, error: { code: 'not_found', message: `connector ${key} not found` } };
        msg.respond(new TextEncoder().encode(JSON.stringify(reply)));
      },
    });
    // the first auth replica migrates the database before the others start
    this.auths = [await this.startAuth(masterKeys)];
    const [gateway, ...more] = await Promise.all([
      startServiceProcess('gateway', { ...this.base, JUNCTION_ROOT_TOKEN: this.rootToken }),
      ...Array.from({ length: authReplicas - 1 }, () => this.startAuth(masterKeys)),
    ]);
    this.gateway = gateway;
    this.auths.push(...more);
    this.db = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, `${this.namespace}_auth`) });
    await this.db.connect();
    return this;
  }

  startAuth(masterKeys: string): Promise<ServiceProcess> {
    // the fake OAuth providers of the tests listen on loopback; the fence refuses it otherwise
    return startServiceProcess('auth', { ...this.base, JUNCTION_MASTER_KEYS: masterKeys, JUNCTION_HTTP_ALLOW: '127.0.0.1' });
  }

  /** Stops every auth replica and starts one with other master keys (logs of the old ones are kept). */
  async replaceAuth(masterKeys: string): Promise<void> {
    this.retired.push(...this.auths);
    await Promise.all(this.auths.map((p) => p.stop()));
    this.auths = [await this.startAuth(masterKeys)];
  }

  /** Every line every process of the suite printed. */
  logs(): string {
    return [this.gateway, ...this.auths, ...this.retired].flatMap((p) => p.output).join('\n');
  }

  async api(method: string, path: string, key?: string, body?: unknown): Promise<ApiResponse> {
    const res = await fetch(`${this.gateway.url}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    this.bodies.push(text);
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, type: res.headers.get('content-type'), headers: res.headers };
  }

  /** A request on the bus as another service would send it (with a trace context). */
  async nats(subject: string, payload: unknown, timeoutMs = 5000): Promise<NatsReply> {
    const h = natsHeaders();
    h.set('traceparent', `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`);
    const reply = await this.nc.request(`${this.namespace}.${subject}`, new TextEncoder().encode(JSON.stringify(payload)), { timeout: timeoutMs, headers: h });
    const text = new TextDecoder().decode(reply.data);
    this.bodies.push(text);
    return JSON.parse(text) as NatsReply;
  }

  /** The AUDIT stream of this namespace, oldest first. */
  async auditEvents(): Promise<Record<string, unknown>[]> {
    const jsm = await this.nc.jetstreamManager();
    const stream = `${this.namespace.toUpperCase()}_AUDIT`;
    const info = await jsm.streams.info(stream);
    const out: Record<string, unknown>[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq });
      out.push(JSON.parse(new TextDecoder().decode(msg.data)) as Record<string, unknown>);
    }
    return out;
  }

  async count(table: 'workspaces' | 'api_keys' | 'connections' | 'oauth_states'): Promise<number> {
    return Number((await this.db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  }

  /** A workspace and its admin key, through the public API with the root token. */
  async createWorkspace(name: string): Promise<{ id: string; key: string }> {
    const res = await this.api('POST', '/v1/workspaces', this.rootToken, { name });
    if (res.status !== 201) throw new Error(`workspace creation answered ${res.status}`);
    return { id: (res.body.workspace as { id: string }).id, key: (res.body.apiKey as { key: string }).key };
  }

  async stop(): Promise<void> {
    this.catalog?.unsubscribe();
    await Promise.all([this.gateway?.stop(), ...this.auths.map((p) => p.stop())]);
    await this.db?.end();
    await this.nc?.drain();
    await dropNatsNamespace(TEST_SERVERS.nats, this.namespace);
    await dropDatabase(TEST_SERVERS.postgres, `${this.namespace}_auth`);
  }
}
