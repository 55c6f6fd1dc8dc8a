import type { ApiKeyEntity, ConnectionEntity } from '@junction/auth/data-access';
import type { ApiKeyView, ConnectionStatus, ConnectionView, Role } from '@junction/auth/contracts';

/** Rows become views here and nowhere else, so a secret column cannot leave by accident. */
export function toApiKeyView(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    ...(row.expiresAt ? { expiresAt: row.expiresAt.toISOString() } : {}),
    ...(row.revokedAt ? { revokedAt: row.revokedAt.toISOString() } : {}),
    ...(row.lastUsedAt ? { lastUsedAt: row.lastUsedAt.toISOString() } : {}),
  };
}

export function toConnectionView(row: ConnectionEntity): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    connector: row.connector,
    status: row.status as ConnectionStatus,
    secretFields: [...row.secretFields],
    ...(row.oauth ? { oauth: { ...row.oauth } } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** `nextCursor` when the page is full (there may be more). */
export function nextCursor(items: { id: string }[], limit: number): { nextCursor?: string } {
  return items.length === limit ? { nextCursor: items[items.length - 1].id } : {};
}
