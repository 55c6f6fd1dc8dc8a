/**
 * Keys of the connectors that ship with Junction (the connectors service checks this list against
 * its catalog in a test). Metrics label a step or call with its connector and action only for
 * these: custom connectors are named by tenants, and a series per name would grow without bound.
 */
export const BUILT_IN_CONNECTOR_KEYS: readonly string[] = ['github', 'http', 'postgres', 'schedule', 'slack', 'standard-webhooks', 'stripe', 'webhook'];

/** The `connector` and `action` labels of `connector.action`: the names for a built-in connector, `custom` otherwise. */
export function connectorActionLabels(qualified: string): { connector: string; action: string } {
  const dot = qualified.indexOf('.');
  const connector = dot > 0 ? qualified.slice(0, dot) : qualified;
  return BUILT_IN_CONNECTOR_KEYS.includes(connector) ? { connector, action: qualified.slice(dot + 1) || 'none' } : { connector: 'custom', action: 'custom' };
}
