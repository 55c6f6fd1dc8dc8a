import { BUILT_IN_CONNECTOR_KEYS, connectorActionLabels } from '@junction/connectors/contracts';
import { BUILT_IN_CONNECTORS } from './built-in-connectors';

describe('built-in connector keys (metric labels)', () => {
  it('names exactly the connectors the catalog ships', () => {
    expect([...BUILT_IN_CONNECTOR_KEYS].sort()).toEqual(BUILT_IN_CONNECTORS.map((c) => c.key).sort());
  });

  it('labels a built-in action by its names and any other as custom', () => {
    expect(connectorActionLabels('http.request')).toEqual({ connector: 'http', action: 'request' });
    expect(connectorActionLabels('acme-crm.create_lead')).toEqual({ connector: 'custom', action: 'custom' });
  });
});
