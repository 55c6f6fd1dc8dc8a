import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { CircuitOpenError, RetryableError, type HttpClient, type HttpRequest, type HttpResponse } from '@junction/connector-sdk';

export interface BreakerOptions {
  /** Consecutive failures (network error, timeout, 5xx) that open a host's breaker. */
  failures: number;
  /** How long an open breaker refuses calls before letting one through, ms. */
  halfOpenAfterMs: number;
  onStateChange?: (host: string, state: 'closed' | 'half_open' | 'open') => void;
}

class ServerError extends Error {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * One circuit breaker per host around the HTTP client: a host that keeps failing is left alone
 * for a while. An open breaker throws CircuitOpenError, which defers the step instead of failing it.
 */
export class HostBreakers implements HttpClient {
  private readonly breakers = new Map<string, { policy: CircuitBreakerPolicy; openedAt: number }>();

  constructor(
    private readonly inner: HttpClient,
    private readonly options: BreakerOptions,
  ) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    const host = new URL(req.url).host;
    const entry = this.breaker(host);
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

  state(host: string): CircuitState | undefined {
    return this.breakers.get(host)?.policy.state;
  }

  private breaker(host: string): { policy: CircuitBreakerPolicy; openedAt: number } {
    let entry = this.breakers.get(host);
    if (!entry) {
      const policy = circuitBreaker(
        handleWhen((e) => e instanceof ServerError || e instanceof RetryableError),
        { halfOpenAfter: this.options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.options.failures) },
      );
      const created = { policy, openedAt: 0 };
      policy.onBreak(() => (created.openedAt = Date.now()));
      policy.onStateChange((state) => {
        const name = state === CircuitState.Open || state === CircuitState.Isolated ? 'open' : state === CircuitState.HalfOpen ? 'half_open' : 'closed';
        this.options.onStateChange?.(host, name);
      });
      this.breakers.set(host, created);
      entry = created;
    }
    return entry;
  }
}
