import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useConnectors, useRegisterConnector, type Connector, type Operation } from '../api/connectors';
import { can } from '../api/permissions';
import { useSession } from '../api/session';
import { JsonView } from '../components/JsonView';
import { ErrorNote, Loading } from '../components/Status';

/** The connector catalog with every action's and trigger's schemas, and registering a declarative connector. */
export function ConnectorsPage() {
  const { me } = useSession();
  const connectors = useConnectors();
  return (
    <section aria-labelledby="connectors-title">
      <h1 id="connectors-title">Connectors</h1>
      {can(me, 'connectors:write') && <RegisterConnectorForm />}
      {connectors.isPending ? (
        <Loading />
      ) : connectors.error ? (
        <ErrorNote error={connectors.error} />
      ) : (
        <ul className="catalog">
          {connectors.data.items.map((connector) => (
            <ConnectorEntry key={connector.key} connector={connector} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ConnectorEntry({ connector }: { connector: Connector }) {
  const headingId = `connector-${connector.key}`;
  return (
    <li className="connector" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {connector.displayName} <code>{connector.key}</code> <span className="muted">v{connector.version}</span>
      </h2>
      {connector.description && <p>{connector.description}</p>}
      <p className="muted">
        Authentication: {connector.authKinds.join(', ')}
        {connector.testable ? ' · connections can be tested' : ''}
      </p>
      {connector.customCredentialsSchema && <JsonView label="Credential fields (custom)" value={connector.customCredentialsSchema} />}
      <Operations title="Actions" owner={connector.displayName} items={connector.actions} inputLabel="Input" />
      <Operations title="Triggers" owner={connector.displayName} items={connector.triggers} inputLabel="Configuration" />
    </li>
  );
}

function Operations({ title, owner, items, inputLabel }: { title: string; owner: string; items: Operation[]; inputLabel: string }) {
  if (items.length === 0) return null;
  return (
    <details className="operations">
      <summary>
        {title} ({items.length})
      </summary>
      <ul aria-label={`${title} of ${owner}`}>
        {items.map((op) => (
          <li key={op.key}>
            <strong>{op.displayName}</strong> <code>{op.key}</code>
            {op.description && <span className="muted"> — {op.description}</span>}
            <JsonView label={`${inputLabel} schema of ${op.key}`} value={op.inputSchema} />
            <JsonView label={`Output schema of ${op.key}`} value={op.outputSchema} />
          </li>
        ))}
      </ul>
    </details>
  );
}

const EXAMPLE = `{
  "key": "acme",
  "displayName": "Acme",
  "baseUrl": "https://api.acme.example",
  "auth": { "kind": "bearer" },
  "test": { "method": "GET", "path": "/me" },
  "actions": [
    { "key": "get_order", "displayName": "Get order", "method": "GET", "path": "/orders/{{ input.id }}",
      "input": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } } }
  ]
}`;

/** `POST /v1/connectors` with a JSON definition; the server's errors are listed at their paths. */
function RegisterConnectorForm() {
  const register = useRegisterConnector();
  const [text, setText] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const [registered, setRegistered] = useState<Connector | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (error) {
      return setParseError(`The definition is not JSON: ${(error as Error).message}`);
    }
    setParseError(null);
    setRegistered(null);
    register.mutate(definition, { onSuccess: setRegistered });
  }

  const fieldErrors = register.error instanceof ApiError ? register.error.errors : [];
  return (
    <details className="new-connection">
      <summary>Register a declarative connector</summary>
      <form className="connection-form register-connector" onSubmit={submit} aria-label="Register a connector">
        <label htmlFor="connector-definition">Connector definition (JSON)</label>
        <textarea
          id="connector-definition"
          rows={14}
          spellCheck={false}
          value={text}
          placeholder={EXAMPLE}
          aria-describedby="connector-definition-hint"
          onChange={(e) => setText(e.target.value)}
        />
        <small id="connector-definition-hint" className="muted">
          key, displayName, baseUrl, auth (none, bearer, basic or api_key), an optional test request, and actions with {'{{ input.x }}'} placeholders. The same key again
          makes a new version.
        </small>
        {parseError && (
          <p role="alert" className="error">
            {parseError}
          </p>
        )}
        {register.error && <ErrorNote error={register.error} />}
        {fieldErrors.length > 0 && (
          <ul className="error" aria-label="Problems in the definition">
            {fieldErrors.map((e, i) => (
              <li key={i}>
                <code>{e.path || '(definition)'}</code> {e.message}
              </li>
            ))}
          </ul>
        )}
        <button type="submit" className="primary" disabled={register.isPending || text.trim() === ''}>
          Register connector
        </button>
        {registered && (
          <p role="status">
            Registered “{registered.displayName}” ({registered.key}) version {registered.version}.
          </p>
        )}
      </form>
    </details>
  );
}
