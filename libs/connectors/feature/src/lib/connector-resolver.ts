import type { ConnectorSummary } from '@junction/connectors/contracts';
import { describeConnector, toConnector, validateDeclarative, type ActionDefinition, type ConnectorDefinition, type DeclarativeConnector } from '@junction/connector-sdk';
import type { CustomConnectorRepository, CustomConnectorVersion } from '@junction/connectors/data-access';
import { RemoteError } from '@junction/platform/ports';
import type { ConnectorRegistry } from './connector-registry';

const COMPILED_MAX = 1000;

/**
 * Built-in connectors for everyone, plus each workspace's own declarative ones (newest version).
 * A built-in key cannot be shadowed by a custom one.
 */
export class ConnectorResolver {
  // compiled custom connectors by row id: a version is immutable, so its compiled form is too.
  // Tenants can register any number of versions: the cache starts over when full
  private readonly compiled = new Map<string, ConnectorDefinition>();

  constructor(
    private readonly builtIns: ConnectorRegistry,
    private readonly custom: CustomConnectorRepository,
  ) {}

  async list(workspaceId: string | undefined): Promise<ConnectorSummary[]> {
    const builtIn = this.builtIns.list();
    if (!workspaceId) return builtIn;
    const own = (await this.custom.listLatest({ workspaceId })).map((row) => describeConnector(this.compile(row)));
    return [...builtIn, ...own].sort((a, b) => a.key.localeCompare(b.key));
  }

  async summary(workspaceId: string | undefined, key: string): Promise<ConnectorSummary | undefined> {
    const found = await this.connector(workspaceId, key);
    return found ? describeConnector(found) : undefined;
  }

  /** A connector as it runs (built-in, or the workspace's newest version of its own). */
  definition(workspaceId: string, key: string): Promise<ConnectorDefinition | undefined> {
    return this.connector(workspaceId, key);
  }

  isBuiltIn(key: string): boolean {
    return this.builtIns.definition(key) !== undefined;
  }

  async action(workspaceId: string, connector: string, action: string): Promise<{ connector: ConnectorDefinition; action: ActionDefinition } | undefined> {
    const definition = await this.connector(workspaceId, connector);
    const found = definition?.actions.find((a) => a.key === action);
    return definition && found ? { connector: definition, action: found } : undefined;
  }

  async register(workspaceId: string, definition: Record<string, unknown>): Promise<ConnectorSummary> {
    const errors = validateDeclarative(definition);
    if (errors.length) throw new RemoteError('invalid_request', 'the connector definition is invalid', errors);
    const key = (definition as unknown as DeclarativeConnector).key;
    if (this.builtIns.definition(key)) throw new RemoteError('conflict', `"${key}" is a built-in connector; choose another key`);
    const row = await this.custom.addVersion({ workspaceId }, key, definition);
    return describeConnector(this.compile(row));
  }

  private async connector(workspaceId: string | undefined, key: string): Promise<ConnectorDefinition | undefined> {
    const builtIn = this.builtIns.definition(key);
    if (builtIn || !workspaceId) return builtIn;
    const row = await this.custom.latest({ workspaceId }, key);
    return row ? this.compile(row) : undefined;
  }

  private compile(row: CustomConnectorVersion): ConnectorDefinition {
    let found = this.compiled.get(row.id);
    if (!found) {
      found = toConnector(row.definition as unknown as DeclarativeConnector, row.version);
      if (this.compiled.size >= COMPILED_MAX) this.compiled.clear();
      this.compiled.set(row.id, found);
    }
    return found;
  }
}
