import { Inject, Injectable, Optional } from '@nestjs/common';
import { ulid } from 'ulid';
import { ServiceMetrics } from '@junction/platform/metrics';
import { CACHE, RemoteError, type Cache } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import {
  KEY_VERDICT_TTL_MS,
  REVOKED_VERDICT,
  keyVerdictCacheKey,
  type ApiKeyList,
  type ApiKeyView,
  type CallerRef,
  type CreatedApiKey,
  type CreatedWorkspace,
  type KeyVerdict,
  type Role,
} from '@junction/auth/contracts';
import { ApiKeyRepository, type ApiKeyEntity, type Page, type TenantScope } from '@junction/auth/data-access';
import { generateApiKey, hashApiKey, looksLikeApiKey } from '@junction/auth/domain';
import { AuthMetrics, type KeyVerificationOutcome } from './auth-metrics';
import { actorOf, assertAllowed } from './authorize';
import { AUDIT, CLOCK, type Clock } from './tokens';
import { toApiKeyView, nextCursor } from './views';

/** Key use is audited once per key per this window, ms (sampling keeps the log readable). */
const KEY_USE_SAMPLE_MS = 60_000;

@Injectable()
export class ApiKeysService {
  private readonly metrics?: AuthMetrics;

  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(AUDIT) private readonly audit: AuditPublisher,
    @Inject(CLOCK) private readonly now: Clock,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.metrics = metrics && AuthMetrics.of(metrics);
  }

  /** Called by the gateway only after the root token matched. */
  async createWorkspace(name: string): Promise<CreatedWorkspace> {
    const at = this.now();
    const workspace = { id: `ws_${ulid()}`, name, createdAt: at };
    const { row, key } = this.newKey(workspace.id, { name: 'initial admin key', role: 'admin', createdBy: 'root' }, at);
    await this.keys.createWorkspace(workspace, row);
    const actor = { type: 'root' as const, id: 'root' };
    await this.audit.record({ workspaceId: workspace.id, actor, action: 'workspace.created', target: { type: 'workspace', id: workspace.id }, changes: { name }, at });
    await this.audit.record({
      workspaceId: workspace.id,
      actor,
      action: 'api_key.created',
      target: { type: 'api_key', id: row.id },
      changes: { name: row.name, role: row.role },
      at,
    });
    return { workspace: { id: workspace.id, name, createdAt: at.toISOString() }, apiKey: { ...toApiKeyView(row), key } };
  }

  async create(scope: TenantScope, caller: CallerRef, input: { name: string; role: Role; expiresAt?: string }): Promise<CreatedApiKey> {
    assertAllowed(caller, 'api_keys:manage');
    const at = this.now();
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= at.getTime()) {
      throw new RemoteError('invalid_request', 'expiresAt must be in the future', [{ path: 'expiresAt', message: 'must be in the future' }]);
    }
    const { row, key } = this.newKey(scope.workspaceId, { name: input.name, role: input.role, createdBy: caller.id, expiresAt }, at);
    await this.keys.insert(row);
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: 'api_key.created',
      target: { type: 'api_key', id: row.id },
      changes: { name: row.name, role: row.role, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
      at,
    });
    return { ...toApiKeyView(row), key };
  }

  async list(scope: TenantScope, caller: CallerRef, page: Page): Promise<ApiKeyList> {
    assertAllowed(caller, 'api_keys:read');
    const rows = await this.keys.list(scope, page);
    return { items: rows.map(toApiKeyView), ...nextCursor(rows, page.limit) };
  }

  async get(scope: TenantScope & { id: string }, caller: CallerRef): Promise<ApiKeyView> {
    assertAllowed(caller, 'api_keys:read');
    return toApiKeyView(await this.mustFind(scope));
  }

  async revoke(scope: TenantScope & { id: string }, caller: CallerRef): Promise<ApiKeyView> {
    assertAllowed(caller, 'api_keys:manage');
    const existing = await this.mustFind(scope);
    const row = (await this.keys.revoke(scope, this.now())) ?? existing;
    // overwrite (not delete): a verdict fetched before the revocation is written with set-if-absent
    // and so cannot replace the tombstone, which outlives any verdict written before it
    await this.cache.set(keyVerdictCacheKey(row.keyHash.toString('hex')), REVOKED_VERDICT, KEY_VERDICT_TTL_MS * 2);
    if (!existing.revokedAt) {
      await this.audit.record({
        workspaceId: scope.workspaceId,
        actor: actorOf(caller),
        action: 'api_key.revoked',
        target: { type: 'api_key', id: row.id },
        at: row.revokedAt ?? this.now(),
      });
    }
    return toApiKeyView(row);
  }

  async verify(candidate: string): Promise<KeyVerdict> {
    // one answer for every refusal (no oracle for a guesser); the metric keeps why
    const invalid = (outcome: KeyVerificationOutcome) => {
      this.metrics?.keyVerifications.inc({ outcome });
      return new RemoteError('unauthenticated', 'the API key is invalid, expired or revoked');
    };
    if (!looksLikeApiKey(candidate)) throw invalid('malformed');
    const row = await this.keys.findByHash(hashApiKey(candidate));
    const at = this.now();
    if (!row) throw invalid('unknown');
    if (row.revokedAt) throw invalid('revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= at.getTime()) throw invalid('expired');
    this.metrics?.keyVerifications.inc({ outcome: 'valid' });
    await this.keys.touch(row.id, at);
    if (await this.cache.setIfAbsent(`auth:key-used:${row.id}`, '1', KEY_USE_SAMPLE_MS)) {
      await this.audit.record({ workspaceId: row.workspaceId, actor: { type: 'api_key', id: row.id }, action: 'api_key.used', target: { type: 'api_key', id: row.id }, at });
    }
    return { workspaceId: row.workspaceId, keyId: row.id, role: row.role as Role, ...(row.expiresAt ? { expiresAt: row.expiresAt.toISOString() } : {}) };
  }

  private async mustFind(scope: TenantScope & { id: string }): Promise<ApiKeyEntity> {
    const row = await this.keys.find(scope);
    if (!row) throw new RemoteError('not_found', 'API key not found');
    return row;
  }

  private newKey(workspaceId: string, input: { name: string; role: Role; createdBy: string; expiresAt?: Date | null }, at: Date): { row: ApiKeyEntity; key: string } {
    const { key, hash, prefix } = generateApiKey();
    const row: ApiKeyEntity = {
      id: `key_${ulid()}`,
      workspaceId,
      name: input.name,
      role: input.role,
      keyHash: hash,
      prefix,
      createdAt: at,
      createdBy: input.createdBy,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    };
    return { row, key };
  }
}
