import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitsModule } from '../limits/rate-limits.module';
import { ApiAuthGuard } from './api-auth.guard';
import { ForbiddenKeysGuard } from './forbidden-keys.guard';
import { KeyVerdicts } from './key-verdicts';
import { MeController } from './me.controller';
import { SessionsController } from './sessions.controller';
import { SessionVerifier } from './session-verifier';
import { UserAccountsController } from './user-accounts.controller';
import { VaultController } from './vault.controller';

/** Authentication and the role table for every `/v1` route (a global guard), plus vault rotation. */
@Module({
  imports: [RateLimitsModule],
  controllers: [VaultController, SessionsController, UserAccountsController, MeController],
  providers: [KeyVerdicts, SessionVerifier, { provide: APP_GUARD, useClass: ApiAuthGuard }, { provide: APP_GUARD, useClass: ForbiddenKeysGuard }],
})
export class AuthApiModule {}
