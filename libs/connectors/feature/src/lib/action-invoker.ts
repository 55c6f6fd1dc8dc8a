import type { Logger } from 'pino';
import type { InvokeActionRequest, InvokeActionResult } from '@junction/connectors/contracts';
import { ConnectorError, FatalError, deadline, executeAction, type ConnectorLogger, type Credentials, type HostRule, type TcpConnector } from '@junction/connector-sdk';
import { RemoteError } from '@junction/platform/ports';
import type { ConnectionRateLimiter } from './connection-rate-limiter';
import type { ConnectorMetrics } from './connector-metrics';
import type { ConnectorResolver } from './connector-resolver';
import type { WorkspaceHttp } from './host-breakers';
import { allowedHostsOf, secretFormsOf, toCredentials, type CredentialSource } from './credential-source';
import { scrubSecrets } from './scrub';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Runs one action for one step: credentials from the vault, the connection's shared rate limit,
 * the workspace's circuit breaker for the host (inside `http`), the step's deadline; every failure comes back as a
 * typed error the executor can decide on.
 */
export class ActionInvoker {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly resolver: ConnectorResolver,
    private readonly credentials: CredentialSource,
    private readonly limiter: ConnectionRateLimiter,
    private readonly http: WorkspaceHttp,
    private readonly metrics: ConnectorMetrics,
    private readonly logger: Logger,
    /** Sockets for database drivers, through the same fence as `http`; without it only public addresses are reachable. */
    private readonly tcp?: TcpConnector,
  ) {}

  async invoke(req: InvokeActionRequest): Promise<InvokeActionResult> {
    const found = await this.resolver.action(req.workspaceId, req.connector, req.action);
    if (!found) throw new RemoteError('not_found', `connector action ${req.connector}.${req.action} does not exist`);
    const started = performance.now();
    const series = this.seriesOf(req.connector, req.action);
    const stop = this.metrics.latency.startTimer(series.latency);
    let secrets: string[] = [];
    // the step's deadline on the shared timer, released when the call ends (not a 30 s timer per call)
    const timeout = deadline(req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      // the limit belongs to a connection (its API account); calls without one are only fenced and breakered
      const waitMs = req.connectionId ? await this.limiter.take(req.connectionId) : undefined;
      if (waitMs !== undefined) {
        this.metrics.calls.inc(series.outcome('throttled'));
        return { error: { kind: 'throttled', message: 'the connection’s rate limit is reached; nothing was sent', retryAfterMs: waitMs }, durationMs: elapsed(started) };
      }
      let credentials: Credentials | undefined;
      let allowedHosts: HostRule[] = [];
      if (req.connectionId) {
        const fields = await this.credentials.fields(req.workspaceId, req.connectionId, req.jobId ?? 'adhoc', req.connector);
        credentials = toCredentials(fields);
        secrets = secretFormsOf(fields);
        allowedHosts = allowedHostsOf(fields);
      }
      const output = await executeAction(found.connector, found.action, {
        input: req.input,
        credentials,
        allowedHosts,
        ...(req.connectionId ? { connectionLabel: `connection ${req.connectionId}` } : {}),
        http: this.http.forWorkspace(req.workspaceId),
        tcp: this.tcp,
        logger: childOnFirstLine(this.logger, () => ({ connector: req.connector, action: req.action, jobId: req.jobId, stepId: req.stepId })),
        signal: timeout.signal,
        idempotencyKey: req.idempotencyKey,
      });
      this.metrics.calls.inc(series.outcome('ok'));
      return { output: scrubSecrets(output, secrets), durationMs: elapsed(started) };
    } catch (error) {
      const typed = error instanceof ConnectorError ? error : this.unexpected(error, req, secrets);
      this.metrics.calls.inc(series.outcome(typed.kind));
      const retryAfterMs = (typed as { retryAfterMs?: number }).retryAfterMs;
      return {
        error: {
          kind: typed.kind,
          message: String(scrubSecrets(typed.message, secrets)).slice(0, 4000),
          ...(typed.status !== undefined ? { status: typed.status } : {}),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          ...(typed.responseBody !== undefined ? { responseBody: scrubSecrets(typed.responseBody, secrets) } : {}),
        },
        durationMs: elapsed(started),
      };
    } finally {
      timeout.release();
      stop();
    }
  }

  /**
   * The label sets of an action's metrics, made once per built-in action (custom connectors are
   * named by tenants: they share one `custom` series, or the series would grow without bound).
   */
  private seriesOf(connector: string, action: string): Series {
    if (!this.resolver.isBuiltIn(connector)) return CUSTOM_SERIES;
    const key = `${connector}.${action}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = newSeries(connector, action)));
    return series;
  }

  /** A bug in a connector (a TypeError, say) fails the step: retrying the same code will not help. */
  private unexpected(error: unknown, req: InvokeActionRequest, secrets: string[]): ConnectorError {
    const message = String(scrubSecrets(error instanceof Error ? error.message : String(error), secrets));
    const stack = error instanceof Error ? String(scrubSecrets(error.stack ?? '', secrets)) : undefined;
    this.logger.error(
      { err: { type: error instanceof Error ? error.name : typeof error, message, stack }, connector: req.connector, action: req.action },
      'connector action threw an untyped error',
    );
    return new FatalError(`${req.connector}.${req.action} failed: ${message}`);
  }
}

/** An action's metric labels: its latency series, and its call series per outcome (ok or an error kind). */
interface Series {
  latency: { connector: string; action: string };
  outcome(outcome: string): { connector: string; action: string; outcome: string };
}

function newSeries(connector: string, action: string): Series {
  const outcomes = new Map<string, { connector: string; action: string; outcome: string }>();
  return {
    latency: { connector, action },
    outcome: (outcome) => {
      let labels = outcomes.get(outcome);
      if (!labels) outcomes.set(outcome, (labels = { connector, action, outcome }));
      return labels;
    },
  };
}

const CUSTOM_SERIES = newSeries('custom', 'custom');

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/**
 * The action's logger, made when it writes its first line: pino's `child` serialises its bindings
 * at once, on every call (~1% of the connectors service's CPU, #19), and nearly every call logs nothing.
 */
function childOnFirstLine(parent: Logger, bindings: () => object): ConnectorLogger {
  let child: Logger | undefined;
  const of = () => (child ??= parent.child(bindings()));
  return {
    debug: (obj, msg) => of().debug(obj, msg),
    info: (obj, msg) => of().info(obj, msg),
    warn: (obj, msg) => of().warn(obj, msg),
    error: (obj, msg) => of().error(obj, msg),
  };
}
