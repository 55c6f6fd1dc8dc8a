import { Inject, Injectable } from '@nestjs/common';
import { RemoteError } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import type { Credentials } from '@junction/auth/contracts';
import { ConnectionRepository, type TenantScope } from '@junction/auth/data-access';
import { needsReauth, OAuthTokensService } from './oauth-tokens.service';
import { SealedSecrets } from './sealed-secrets';
import { AUDIT } from './tokens';

/** Decrypted credentials for the connectors service, one job at a time; every read is audited. */
@Injectable()
export class CredentialReaderService {
  constructor(
    private readonly rows: ConnectionRepository,
    private readonly secrets: SealedSecrets,
    private readonly tokens: OAuthTokensService,
    @Inject(AUDIT) private readonly audit: AuditPublisher,
  ) {}

  async read(scope: TenantScope & { id: string }, jobId: string): Promise<Credentials> {
    const row = await this.rows.find(scope);
    if (!row) throw new RemoteError('not_found', 'connection not found');
    if (row.status === 'needs_reauth') throw needsReauth(row);
    // OAuth2 connections hand out the access token only (and the hosts it is bound to): client secret and refresh token stay here
    const credentials = row.oauth ? pick(await this.tokens.fresh(row), ['accessToken', 'tokenType', 'allowedHosts']) : await this.secrets.open(row);
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: { type: 'service', id: 'connectors' },
      action: 'credential.read',
      target: { type: 'connection', id: row.id },
      changes: { jobId },
    });
    return { connectionId: row.id, connector: row.connector, credentials };
  }
}

function pick(from: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => from[n] !== undefined).map((n) => [n, from[n]]));
}
