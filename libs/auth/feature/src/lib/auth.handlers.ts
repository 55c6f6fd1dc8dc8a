import { Injectable } from '@nestjs/common';
import { OnRequest } from '@junction/platform/messaging';
import { RemoteError, type IncomingMeta } from '@junction/platform/ports';
import {
  CreateApiKey,
  CreateWorkspace,
  GetApiKey,
  ListApiKeys,
  RevokeApiKey,
  VerifyKey,
  type ApiKeyList,
  type ApiKeyRef,
  type ApiKeyView,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  type CreatedWorkspace,
  type CreateWorkspaceRequest,
  type KeyVerdict,
  type ListApiKeysRequest,
  type PageQuery,
  type ScopedRequest,
  type VerifyKeyRequest,
} from '@junction/auth/contracts';
import type { Page } from '@junction/auth/data-access';
import { ApiKeysService } from './api-keys.service';
import { DEFAULT_PAGE_SIZE } from './authorize';

/** The tenant a request names must be the one its message context carries, when it carries one. */
export function scopeOf(request: ScopedRequest, meta: IncomingMeta): { workspaceId: string } {
  if (meta.workspaceId && meta.workspaceId !== request.workspaceId) throw new RemoteError('forbidden', 'workspace of the request and of its context differ');
  return { workspaceId: request.workspaceId };
}

export function pageOf(query: PageQuery | undefined): Page {
  return { limit: query?.limit ?? DEFAULT_PAGE_SIZE, after: query?.cursor };
}

@Injectable()
export class ApiKeyHandlers {
  constructor(private readonly keys: ApiKeysService) {}

  @OnRequest(CreateWorkspace)
  createWorkspace(request: CreateWorkspaceRequest): Promise<CreatedWorkspace> {
    return this.keys.createWorkspace(request.name);
  }

  @OnRequest(VerifyKey)
  verify(request: VerifyKeyRequest): Promise<KeyVerdict> {
    return this.keys.verify(request.key);
  }

  @OnRequest(CreateApiKey)
  create(request: CreateApiKeyRequest, meta: IncomingMeta): Promise<CreatedApiKey> {
    return this.keys.create(scopeOf(request, meta), request.caller, request);
  }

  @OnRequest(ListApiKeys)
  list(request: ListApiKeysRequest, meta: IncomingMeta): Promise<ApiKeyList> {
    return this.keys.list(scopeOf(request, meta), request.caller, pageOf(request.page));
  }

  @OnRequest(GetApiKey)
  get(request: ApiKeyRef, meta: IncomingMeta): Promise<ApiKeyView> {
    return this.keys.get({ ...scopeOf(request, meta), id: request.id }, request.caller);
  }

  @OnRequest(RevokeApiKey)
  revoke(request: ApiKeyRef, meta: IncomingMeta): Promise<ApiKeyView> {
    return this.keys.revoke({ ...scopeOf(request, meta), id: request.id }, request.caller);
  }
}
