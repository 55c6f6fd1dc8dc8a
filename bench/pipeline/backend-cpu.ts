import { Client } from 'pg';
import { cpuMs } from './process-tree';

/**
 * CPU of the shared Postgres server's backends that serve one cluster's databases (`<namespace>_*`).
 * Backends come and go with the pools, so they are sampled every 250 ms and each one's growth since
 * first seen is summed: what a backend used before its first sample, or in its last 250 ms, is missed.
 */
export class BackendCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly client: Client;

  constructor(
    serverUrl: string,
    private readonly namespace: string,
  ) {
    this.client = new Client({ connectionString: serverUrl });
  }

  async start(): Promise<this> {
    await this.client.connect();
    await this.sample();
    this.timer = setInterval(() => void this.sample().catch(() => undefined), 250);
    return this;
  }

  /** Backend pids serving the cluster's databases now. */
  async pids(): Promise<number[]> {
    const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname LIKE $1', [`${this.namespace}\\_%`]);
    return rows.map((r) => r.pid);
  }

  private async sample(): Promise<void> {
    for (const pid of await this.pids()) {
      const ms = cpuMs([pid]);
      if (ms === 0 && !this.first.has(pid)) continue; // gone before it was read
      if (!this.first.has(pid)) this.first.set(pid, ms);
      this.last.set(pid, Math.max(ms, this.last.get(pid) ?? 0));
    }
  }

  /** CPU ms the cluster's backends used since they were first seen. */
  async totalMs(): Promise<number> {
    await this.sample();
    let total = 0;
    for (const [pid, first] of this.first) total += (this.last.get(pid) ?? first) - first;
    return total;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.end();
  }
}
