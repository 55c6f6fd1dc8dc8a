import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { CircuitOpenError, RetryableError, type HttpClient, type HttpRequest, type HttpResponse } from '@junction/connector-sdk';

export type BreakerState = 'closed' | 'half_open' | 'open';

export interface BreakerOptions {
  /** Consecutive failures (network error, timeout, 5xx) that open a breaker. */
  failures: number;
  /** How long an open breaker refuses calls before letting one through, ms. */
  halfOpenAfterMs: number;
  /** Breakers held at once (one per workspace and host); past it the least recently used closed one is forgotten. */
  maxBreakers?: number;
  onStateChange?: (change: { workspaceId: string; host: string; state: BreakerState }) => void;
}

/** HTTP clients whose breakers count one workspace's failures only. */
export interface WorkspaceHttp {
  forWorkspace(workspaceId: string): HttpClient;
}

const DEFAULT_MAX_BREAKERS = 10_000;

class ServerError extends Error {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.status}`);
  }
}

interface Entry {
  policy: CircuitBreakerPolicy;
  openedAt: number;
}

/**
 * One circuit breaker per workspace and host around the HTTP client: a host that keeps failing for
 * a workspace is left alone by that workspace for a while, and only by it — one tenant's timeouts
 * (a slow endpoint of its own account, a 100 ms step deadline) never open the host for the others.
 * An open breaker throws CircuitOpenError, which defers the step instead of failing it.
 */
export class HostBreakers implements WorkspaceHttp {
  // insertion order is recency: a use moves the entry to the end, eviction starts at the front
  private readonly breakers = new Map<string, Entry>();
  private readonly maxBreakers: number;

  constructor(
    private readonly inner: HttpClient,
    private readonly options: BreakerOptions,
  ) {
    this.maxBreakers = options.maxBreakers ?? DEFAULT_MAX_BREAKERS;
  }

  forWorkspace(workspaceId: string): HttpClient {
    return { request: (req) => this.request(workspaceId, req) };
  }

  async request(workspaceId: string, req: HttpRequest): Promise<HttpResponse> {
    const host = new URL(req.url).host;
    const entry = this.breaker(workspaceId, host);
    try {
      return await entry.policy.execute(async () => {
        const res = await this.inner.request(req);
        // 5xx count as failures for the breaker but are handed back as responses
        if (res.status >= 500) throw new ServerError(res);
        return res;
      });
    } catch (error) {
      if (error instanceof ServerError) return error.response;
      if (error instanceof BrokenCircuitError) {
        const retryAfterMs = Math.max(0, entry.openedAt + this.options.halfOpenAfterMs - Date.now());
        throw new CircuitOpenError(host, retryAfterMs);
      }
      throw error;
    }
  }

  state(workspaceId: string, host: string): BreakerState | undefined {
    const entry = this.breakers.get(keyOf(workspaceId, host));
    return entry ? stateName(entry.policy.state) : undefined;
  }

  /** How many breakers are in each state: what the metrics report, with no workspace or host label. */
  counts(): Record<BreakerState, number> {
    const counts: Record<BreakerState, number> = { closed: 0, half_open: 0, open: 0 };
    for (const entry of this.breakers.values()) counts[stateName(entry.policy.state)]++;
    return counts;
  }

  get size(): number {
    return this.breakers.size;
  }

  private breaker(workspaceId: string, host: string): Entry {
    const key = keyOf(workspaceId, host);
    let entry = this.breakers.get(key);
    if (entry) {
      this.breakers.delete(key);
      this.breakers.set(key, entry);
      return entry;
    }
    const policy = circuitBreaker(
      handleWhen((e) => e instanceof ServerError || e instanceof RetryableError),
      { halfOpenAfter: this.options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.options.failures) },
    );
    const created: Entry = { policy, openedAt: 0 };
    policy.onBreak(() => (created.openedAt = Date.now()));
    policy.onStateChange((state) => this.options.onStateChange?.({ workspaceId, host, state: stateName(state) }));
    if (this.breakers.size >= this.maxBreakers) this.evictOne();
    this.breakers.set(key, created);
    entry = created;
    return entry;
  }

  /**
   * Forgets the least recently used closed breaker (it holds only a failure count), or, when every
   * one is open, the least recently used of all: the map stays bounded whatever the hosts named.
   */
  private evictOne(): void {
    for (const [key, entry] of this.breakers) {
      if (entry.policy.state === CircuitState.Closed) {
        this.breakers.delete(key);
        return;
      }
    }
    const oldest = this.breakers.keys().next();
    if (!oldest.done) this.breakers.delete(oldest.value);
  }
}

function keyOf(workspaceId: string, host: string): string {
  return `${workspaceId}\u0000${host}`;
}

function stateName(state: CircuitState): BreakerState {
  return state === CircuitState.Open || state === CircuitState.Isolated ? 'open' : state === CircuitState.HalfOpen ? 'half_open' : 'closed';
}
