import { Module } from '@nestjs/common';
import { ConnectorsApiModule } from './connectors/connectors-api.module';

/** The public API: one module per area, each calling its service over the bus. */
@Module({ imports: [ConnectorsApiModule] })
export class GatewayFeatureModule {}
