import { IdempotencyModule } from '@junction/platform/idempotency';
import { type DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DURABLE_QUEUE, type DurableQueue } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import {
  ApiKeyEntity,
  AUTH_MIGRATIONS,
  ApiKeyRepository,
  ConnectionEntity,
  ConnectionRepository,
  OAuthStateEntity,
  OAuthStateRepository,
  SigningKeyEntity,
  UserEntity,
  UserRepository,
  WorkspaceEntity,
} from '@junction/auth/data-access';
import { EnvKeyProvider, Envelope, type KeyProvider } from '@junction/auth/domain';
import { AddressPolicy, Fence, type PlatformListenerEnv } from '@junction/platform/fence';
import { ServiceMetrics } from '@junction/platform/metrics';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyHandlers } from './auth.handlers';
import { AuthMetrics, MeteredEnvelope } from './auth-metrics';
import { ConnectionHandlers } from './connection.handlers';
import { ConnectionsService } from './connections.service';
import { ConnectorCheck } from './connector-check';
import { CredentialReaderService } from './credential-reader.service';
import { OAuthClient } from './oauth-client';
import { OAuthFlowService } from './oauth-flow.service';
import { OAuthTokensService } from './oauth-tokens.service';
import { SealedSecrets } from './sealed-secrets';
import { SigningKeysService } from './signing-keys.service';
import { UserHandlers } from './user.handlers';
import { UsersService } from './users.service';
import { AUDIT, CLOCK, KEY_PROVIDER } from './tokens';
import { UnconfiguredKeyProvider } from './unconfigured-key-provider';
import { VaultRotationService } from './vault-rotation.service';

export interface AuthFeatureOptions {
  /** `JUNCTION_MASTER_KEYS`; without it the vault answers `unavailable`. */
  masterKeys?: string;
  /** `JUNCTION_HTTP_ALLOW`: private addresses the outbound fence lets OAuth token calls reach. */
  httpAllow?: string;
  /** The service's own listeners (PORT, DATABASE_URL, NATS_URL, REDIS_URL): never a token endpoint. */
  platform?: PlatformListenerEnv;
}

/** The auth service's database schema, for its ServiceDefinition. */
export const AUTH_DATABASE = { entities: [WorkspaceEntity, ApiKeyEntity, ConnectionEntity, OAuthStateEntity, UserEntity, SigningKeyEntity], migrations: AUTH_MIGRATIONS };

@Module({})
export class AuthFeatureModule {
  static forRoot(options: AuthFeatureOptions): DynamicModule {
    return {
      module: AuthFeatureModule,
      // Idempotency-Key of the creates this service owns, kept in its database
      imports: [IdempotencyModule.forOwner('auth')],
      providers: [
        { provide: CLOCK, useValue: () => new Date() },
        { provide: Fence, useFactory: () => new Fence({ policy: AddressPolicy.fromEnv(options.httpAllow, options.platform) }) },
        { provide: KEY_PROVIDER, useFactory: (): KeyProvider => (options.masterKeys ? EnvKeyProvider.parse(options.masterKeys) : new UnconfiguredKeyProvider()) },
        {
          provide: Envelope,
          inject: [KEY_PROVIDER, { token: ServiceMetrics, optional: true }],
          useFactory: (keys: KeyProvider, metrics?: ServiceMetrics) => (metrics ? new MeteredEnvelope(keys, AuthMetrics.of(metrics)) : new Envelope(keys)),
        },
        { provide: AUDIT, inject: [DURABLE_QUEUE], useFactory: (queue: DurableQueue) => new AuditPublisher(queue) },
        { provide: ApiKeyRepository, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new ApiKeyRepository(ds) },
        { provide: ConnectionRepository, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new ConnectionRepository(ds) },
        { provide: OAuthStateRepository, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new OAuthStateRepository(ds) },
        { provide: UserRepository, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new UserRepository(ds) },
        SealedSecrets,
        SigningKeysService,
        UsersService,
        UserHandlers,
        OAuthClient,
        OAuthTokensService,
        OAuthFlowService,
        CredentialReaderService,
        ConnectorCheck,
        ApiKeysService,
        ConnectionsService,
        VaultRotationService,
        ApiKeyHandlers,
        ConnectionHandlers,
      ],
    };
  }
}
