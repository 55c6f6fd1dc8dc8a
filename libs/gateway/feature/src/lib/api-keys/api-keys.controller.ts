import { Body, Controller, Delete, Get, Inject, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { ApiKeyList, ApiKeyView, CreateApiKey, CreateApiKeyBody, CreatedApiKey, GetApiKey, ListApiKeys, PageQuery, RevokeApiKey } from '@junction/auth/contracts';
import { scopedBy } from '../auth/caller';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { ApiKeyId } from '../shared/id-param';
import { IdempotentCreate } from '../idempotency/idempotent-create';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post()
  @IdempotentCreate({ owner: 'auth', showsSecretOnce: true })
  @ApiOperation({ summary: 'Create an API key (admin); the key is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKey })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyBody): Promise<CreatedApiKey> {
    return this.bus.request(CreateApiKey, { ...scopedBy(principal), name: body.name, role: body.role, ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}) });
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (admin)' })
  @ApiOkResponse({ type: ApiKeyList })
  list(@CurrentPrincipal() principal: Principal, @Query() page: PageQuery): Promise<ApiKeyList> {
    return this.bus.request(ListApiKeys, { ...scopedBy(principal), page: { ...page } });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One API key (admin)' })
  @ApiOkResponse({ type: ApiKeyView })
  get(@CurrentPrincipal() principal: Principal, @ApiKeyId() id: string): Promise<ApiKeyView> {
    return this.bus.request(GetApiKey, { ...scopedBy(principal), id });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key (admin); effective at once' })
  @ApiOkResponse({ type: ApiKeyView })
  revoke(@CurrentPrincipal() principal: Principal, @ApiKeyId() id: string): Promise<ApiKeyView> {
    return this.bus.request(RevokeApiKey, { ...scopedBy(principal), id });
  }
}
