import type { ConnectorSummary } from '@junction/connectors/contracts';
import { describeConnector, type ActionDefinition, type ConnectorDefinition } from '@junction/connector-sdk';

/** The connectors this process can run, by key, with their catalog entries computed once. */
export class ConnectorRegistry {
  private readonly byKey = new Map<string, { definition: ConnectorDefinition; summary: ConnectorSummary }>();

  constructor(definitions: ConnectorDefinition[]) {
    for (const definition of definitions) {
      if (this.byKey.has(definition.key)) throw new Error(`connector "${definition.key}" is registered twice`);
      this.byKey.set(definition.key, { definition, summary: describeConnector(definition) });
    }
  }

  list(): ConnectorSummary[] {
    return [...this.byKey.values()].map((e) => e.summary).sort((a, b) => a.key.localeCompare(b.key));
  }

  summary(key: string): ConnectorSummary | undefined {
    return this.byKey.get(key)?.summary;
  }

  definition(key: string): ConnectorDefinition | undefined {
    return this.byKey.get(key)?.definition;
  }

  action(connector: string, action: string): { connector: ConnectorDefinition; action: ActionDefinition } | undefined {
    const definition = this.definition(connector);
    const found = definition?.actions.find((a) => a.key === action);
    return definition && found ? { connector: definition, action: found } : undefined;
  }
}
