import type { ConnectorSummary } from '@junction/connectors/contracts';
import { credentialKindOf, customFieldsOf, validateFields } from '@junction/connector-sdk';
import { RemoteError } from '@junction/platform/ports';

/**
 * A `custom` connection's own fields checked against the schema its connector publishes: a 422
 * naming `credentials.<field>` (never a value). Connections the vault reads as another kind
 * (token, apiKey, …) are not this schema's business, nor an empty one where the connector also
 * takes `none` (a webhook without a signing secret).
 */
export function assertCustomCredentials(connector: Pick<ConnectorSummary, 'key' | 'authKinds' | 'customCredentialsSchema'>, credentials: Record<string, string>): void {
  const schema = connector.customCredentialsSchema;
  if (!schema || credentialKindOf(credentials) !== 'custom') return;
  const own = customFieldsOf(credentials);
  if (Object.keys(own).length === 0 && connector.authKinds.includes('none')) return;
  const errors = validateFields(schema, own);
  if (errors.length === 0) return;
  throw new RemoteError(
    'unprocessable',
    `the credentials do not fit connector "${connector.key}": ${errors.map((e) => `${e.path || '(credentials)'} ${e.message}`).join('; ')}`,
    errors.map((e) => ({ path: e.path ? `credentials.${e.path}` : 'credentials', message: e.message })),
  );
}
