import { type DynamicModule, Module } from '@nestjs/common';
import type { ConnectorSummary } from '@junction/connectors/contracts';
import { CatalogHandlers } from './catalog.handlers';
import { ConnectorCatalog } from './connector-catalog';

@Module({})
export class ConnectorsFeatureModule {
  static forRoot(entries: ConnectorSummary[]): DynamicModule {
    return {
      module: ConnectorsFeatureModule,
      providers: [{ provide: ConnectorCatalog, useValue: new ConnectorCatalog(entries) }, CatalogHandlers],
    };
  }
}
