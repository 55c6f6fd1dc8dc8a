import { randomBytes } from 'node:crypto';
import { dropDatabase } from '@junction/platform/database';
import { TEST_SERVERS, startServiceProcess, type ServiceProcess } from '@junction/shared/testing';
import type { ExecutorCluster } from './executor-harness';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Auth and gateway processes in front of an `ExecutorCluster`, so a suite drives the executor through
 * the public API: workspaces made with the root token, calls with a workspace's key.
 */
export class ExecutorApi {
  private readonly rootToken = randomBytes(32).toString('base64url');
  private gateway: ServiceProcess | undefined;
  private auth: ServiceProcess | undefined;

  constructor(private readonly cluster: ExecutorCluster) {}

  /** Starts the cluster, then auth and the gateway on its namespace. */
  async start(): Promise<this> {
    await this.cluster.start();
    this.auth = await startServiceProcess('auth', this.cluster.base);
    this.gateway = await startServiceProcess('gateway', { ...this.cluster.base, JUNCTION_ROOT_TOKEN: this.rootToken });
    return this;
  }

  /** A new workspace's admin API key. */
  async workspaceKey(name: string): Promise<string> {
    const res = await fetch(`${this.url}/v1/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.rootToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    return ((await res.json()) as { apiKey: { key: string } }).apiKey.key;
  }

  /** One API call; a string body is sent as is (malformed JSON tests), anything else as JSON. */
  call = async (key: string, method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  /** Stops auth and the gateway, closes the cluster, and removes what auth and the audit events left. */
  async close(): Promise<void> {
    await Promise.all([this.gateway?.stop(), this.auth?.stop()]);
    await this.cluster.close();
    await dropDatabase(TEST_SERVERS.postgres, `${this.cluster.namespace}_auth`);
    await this.cluster.nc
      ?.jetstreamManager()
      .then((jsm) => jsm.streams.delete(`${this.cluster.namespace.toUpperCase()}_AUDIT`))
      .catch(() => undefined);
  }

  private get url(): string {
    if (!this.gateway) throw new Error('ExecutorApi.start() first');
    return this.gateway.url;
  }
}
