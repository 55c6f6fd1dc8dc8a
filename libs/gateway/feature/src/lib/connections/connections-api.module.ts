import { Module } from '@nestjs/common';
import { ConnectionsController } from './connections.controller';
import { OAuthCallbackController } from './oauth-callback.controller';

@Module({ controllers: [ConnectionsController, OAuthCallbackController] })
export class ConnectionsApiModule {}
