import type { ConnectorSummary } from '@junction/connectors/contracts';

export const CATALOG_ENTRIES = Symbol('CatalogEntries');

/** The connectors this process can run, by key. Keys are unique: a duplicate is a wiring bug. */
export class ConnectorCatalog {
  private readonly byKey = new Map<string, ConnectorSummary>();

  constructor(entries: ConnectorSummary[]) {
    for (const entry of entries) {
      if (this.byKey.has(entry.key)) throw new Error(`connector "${entry.key}" is registered twice`);
      this.byKey.set(entry.key, entry);
    }
  }

  list(): ConnectorSummary[] {
    return [...this.byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  get(key: string): ConnectorSummary | undefined {
    return this.byKey.get(key);
  }
}
