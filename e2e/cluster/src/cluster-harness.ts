import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl, dropDatabase } from '@junction/platform/database';
import { TEST_SERVERS, dropNatsNamespace, startServiceProcess, uniqueNamespace, type ServiceProcess } from '@junction/shared/testing';

export type ServiceName = 'gateway' | 'auth' | 'connectors' | 'scheduler' | 'executor' | 'audit';

/** How the product runs under test: six processes on NATS/Redis/Postgres, or one standalone process. */
export type RunMode = 'cluster' | 'standalone';

/** Both modes, for suites that must pass in each (`describe.each(RUN_MODES)`). */
export const RUN_MODES: RunMode[] = ['cluster', 'standalone'];

/** Server addresses nothing listens on: a standalone run must not need any of them. */
export const CLOSED_SERVERS = {
  NATS_URL: 'nats://127.0.0.1:1',
  REDIS_URL: 'redis://127.0.0.1:1',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres',
};

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Junction's services as real processes on one namespace, driven over HTTP like a user would:
 * a workspace made with the root token, an admin key, and helpers to call the API.
 */
export class Cluster {
  readonly rootToken = randomBytes(32).toString('hex');
  readonly masterKeys = `k1:${randomBytes(32).toString('base64')}`;
  readonly services = new Map<ServiceName, ServiceProcess>();
  apiKey = '';
  workspaceId = '';

  constructor(
    readonly namespace = uniqueNamespace('e2e_cl'),
    private readonly extraEnv: Record<string, string> = {},
    /** Variables of one service only (its own NATS and Redis credentials). */
    private readonly serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {},
    readonly mode: RunMode = 'cluster',
  ) {}

  /** The standalone process (mode `standalone`): every service in it, its data in a temporary directory. */
  standalone: ServiceProcess | undefined;
  dataDir = '';

  static inMode(mode: RunMode, namespace = uniqueNamespace(mode === 'cluster' ? 'e2e_cl' : 'e2e_sa'), extraEnv: Record<string, string> = {}): Cluster {
    return new Cluster(namespace, extraEnv, {}, mode);
  }

  env(): Record<string, string> {
    return {
      JUNCTION_NAMESPACE: this.namespace,
      NATS_URL: TEST_SERVERS.nats,
      REDIS_URL: TEST_SERVERS.redis,
      DATABASE_URL: TEST_SERVERS.postgres,
      JUNCTION_ROOT_TOKEN: this.rootToken,
      JUNCTION_MASTER_KEYS: this.masterKeys,
      JUNCTION_HTTP_ALLOW: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...this.extraEnv,
    };
  }

  /** Starts the services two at a time (a 2-core machine), then makes a workspace and its admin key. */
  async start(names: ServiceName[]): Promise<this> {
    if (this.mode === 'standalone') return this.startStandalone();
    for (let i = 0; i < names.length; i += 2) {
      const batch = names.slice(i, i + 2);
      const started = await Promise.all(batch.map((name) => startServiceProcess(name, { ...this.env(), ...this.serviceEnv[name] })));
      started.forEach((s, j) => this.services.set(batch[j], s));
    }
    if (this.services.has('gateway') && this.services.has('auth')) {
      const created = await this.call<{ workspace: { id: string }; apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'e2e' }, this.rootToken);
      if (created.status !== 201) throw new Error(`workspace creation failed: ${created.status} ${JSON.stringify(created.body)}`);
      this.apiKey = created.body.apiKey.key;
      this.workspaceId = created.body.workspace.id;
    }
    return this;
  }

  /** One process with every service; NATS, Redis and Postgres addresses point at closed ports to prove it uses none. */
  private async startStandalone(): Promise<this> {
    if (!this.dataDir) {
      this.dataDir = mkdtempSync(join(tmpdir(), 'junction-sa-'));
      // mkdtemp makes it 0700; as root the embedded Postgres runs as nobody and must pass through it
      if (process.getuid?.() === 0) chmodSync(this.dataDir, 0o711);
    }
    this.standalone = await startServiceProcess('standalone', { ...this.env(), ...CLOSED_SERVERS, JUNCTION_DATA_DIR: this.dataDir }, 60_000);
    this.services.set('gateway', this.standalone);
    if (!this.apiKey) {
      const created = await this.call<{ workspace: { id: string }; apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'e2e' }, this.rootToken);
      if (created.status !== 201) throw new Error(`workspace creation failed: ${created.status} ${JSON.stringify(created.body)}`);
      this.apiKey = created.body.apiKey.key;
      this.workspaceId = created.body.workspace.id;
    }
    return this;
  }

  /** Standalone: SIGKILL the process (nothing flushed, the embedded Postgres orphaned) and start it again on the same data. */
  async killAndRestartStandalone(): Promise<void> {
    await this.standalone?.kill();
    await this.startStandalone();
  }

  /**
   * The URL of a service's database: on the shared Postgres (cluster), or on the standalone's
   * embedded server, which picks a free port at each start (postmaster.pid's fourth line).
   */
  databaseUrl(service: ServiceName): string {
    if (this.mode === 'cluster') return databaseUrl(TEST_SERVERS.postgres, `${this.namespace}_${service}`);
    const port = readFileSync(join(this.dataDir, 'pg', 'postmaster.pid'), 'utf8')
      .split('\n')[3]
      .trim();
    const password = readFileSync(join(this.dataDir, 'pg-password'), 'utf8').trim();
    return databaseUrl(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, `${this.namespace}_${service}`);
  }

  get gatewayUrl(): string {
    const gateway = this.services.get('gateway');
    if (!gateway) throw new Error('no gateway');
    return gateway.url;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = this.apiKey, extraHeaders: Record<string, string> = {}): Promise<Reply<T>> {
    const res = await fetch(`${this.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: the text itself
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Starts a webhook recipe and answers its hook's URL on this cluster's gateway (throws unless started). */
  async startHook(recipeId: string): Promise<string> {
    const started = await this.call<{ webhookUrl?: string }>('POST', `/v1/recipes/${recipeId}/start`);
    if (started.status !== 200 || !started.body.webhookUrl) throw new Error(`starting recipe ${recipeId}: ${started.status} ${JSON.stringify(started.body)}`);
    return `${this.gatewayUrl}${new URL(started.body.webhookUrl, 'http://x').pathname}`;
  }

  async stop(): Promise<void> {
    await Promise.all([...new Set(this.services.values())].map((s) => s.stop()));
    if (this.mode === 'standalone') {
      if (this.dataDir) {
        stopLeftoverPostgres(this.dataDir);
        rmSync(this.dataDir, { recursive: true, force: true });
      }
      return;
    }
    const owning: ServiceName[] = ['auth', 'connectors', 'scheduler', 'executor', 'audit'];
    await Promise.all(owning.filter((n) => this.services.has(n)).map((n) => dropDatabase(TEST_SERVERS.postgres, `${this.namespace}_${n}`)));
    await dropNatsNamespace(TEST_SERVERS.nats, this.namespace);
  }
}

/** A standalone process killed with SIGKILL leaves its embedded Postgres running: a test must not. */
function stopLeftoverPostgres(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // no server left (the normal case: a clean stop removes postmaster.pid)
  }
}
