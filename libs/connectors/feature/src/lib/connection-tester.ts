import type { Logger } from 'pino';
import type { ConnectionTestResult, TestConnectionRequest } from '@junction/connectors/contracts';
import { ConnectorError, authFor, bindCredentials, type TcpConnector } from '@junction/connector-sdk';
import { DeadlineExceededError, RemoteError } from '@junction/platform/ports';
import type { ConnectorResolver } from './connector-resolver';
import type { WorkspaceHttp } from './host-breakers';
import { allowedHostsOf, secretFormsOf, toCredentials, type CredentialSource } from './credential-source';
import { scrubSecrets } from './scrub';

/** Under the RPC's 30 s deadline, so a slow third party is an `ok: false`, not a 503. */
const TEST_TIMEOUT_MS = 20_000;
/** The vault audits each credential read with a job id: a test names itself there. */
export const CONNECTION_TEST_READ = 'connection-test';
const BODY_SNIPPET = 300;

/**
 * `POST /v1/connections/:id/test`: the connector's `test` hook with the connection's credentials,
 * through the same fence, host binding and workspace circuit breakers as an action. The third
 * party's refusal is an answer (`ok: false` with why), every credential value scrubbed from it.
 */
export class ConnectionTester {
  constructor(
    private readonly resolver: ConnectorResolver,
    private readonly credentials: CredentialSource,
    private readonly http: WorkspaceHttp,
    private readonly logger: Logger,
    /** Sockets for database drivers, through the same fence as `http`. */
    private readonly tcp: TcpConnector,
  ) {}

  async test(req: TestConnectionRequest): Promise<ConnectionTestResult> {
    const found = await this.read(req);
    if ('result' in found) return found.result;
    const connector = await this.resolver.definition(req.workspaceId, found.connector);
    if (!connector) throw new RemoteError('unprocessable', `connector "${found.connector}" of this connection is not known`);
    if (!connector.test) {
      throw new RemoteError('unprocessable', `connector "${found.connector}" has no connection test (the catalog says testable: false); run a recipe step to try the connection`);
    }
    const fields = found.credentials;
    const secrets = secretFormsOf(fields);
    const credentials = toCredentials(fields);
    try {
      await connector.test({
        credentials,
        auth: authFor(connector, credentials),
        http: bindCredentials(this.http.forWorkspace(req.workspaceId), connector, credentials, allowedHostsOf(fields), `connection ${req.connectionId}`),
        tcp: this.tcp,
        signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
      });
      return { ok: true, detail: `${connector.displayName} accepted the credentials.` };
    } catch (error) {
      return { ok: false, detail: String(scrubSecrets(this.explain(error, req, secrets), secrets)).slice(0, 2000) };
    }
  }

  /** The connection's connector and fields; a connection that needs re-authorising is a failed test, not an error. */
  private async read(req: TestConnectionRequest): Promise<{ connector: string; credentials: Record<string, string> } | { result: ConnectionTestResult }> {
    try {
      return await this.credentials.lookup(req.workspaceId, req.connectionId, CONNECTION_TEST_READ);
    } catch (error) {
      if (error instanceof RemoteError && error.code === 'conflict') return { result: { ok: false, detail: 'The connection needs to be authorised again (Connect).' } };
      if (error instanceof RemoteError && error.code === 'not_found') throw new RemoteError('not_found', 'connection not found');
      if (error instanceof DeadlineExceededError) throw new RemoteError('unavailable', 'the vault did not answer in time');
      throw error;
    }
  }

  private explain(error: unknown, req: TestConnectionRequest, secrets: string[]): string {
    if (error instanceof ConnectorError) {
      const why = error.kind === 'auth' ? 'The service refused the credentials' : error.kind === 'fatal' ? 'The test failed' : 'The service could not be reached or was not ready';
      return `${why}: ${error.message}${snippet(error.responseBody)}`;
    }
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `No answer within ${TEST_TIMEOUT_MS / 1000} s.`;
    // a bug in the hook: logged (scrubbed) for the operator, the caller learns only that it failed
    this.logger.error(
      {
        err: { type: error instanceof Error ? error.name : typeof error, message: scrubSecrets(String(error instanceof Error ? error.message : error), secrets) },
        connectionId: req.connectionId,
      },
      'connection test hook threw an untyped error',
    );
    return 'The connector’s test failed unexpectedly; the service log has the details.';
  }
}

function snippet(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return ` — ${text.length > BODY_SNIPPET ? `${text.slice(0, BODY_SNIPPET)}…` : text}`;
}
