import { useState } from 'react';
import { describeError } from '../api/client';
import { connectOAuth, useConnections, useDeleteConnection, useTestConnection, type Connection, type ConnectionTestResult } from '../api/connections';
import { useConnectors, type Connector } from '../api/connectors';
import { can } from '../api/permissions';
import { useSession } from '../api/session';
import { ConfirmButton } from '../components/Confirm';
import { Badge, ErrorNote, Loading, When } from '../components/Status';
import { EditConnectionForm, NewConnectionForm } from './ConnectionForms';

/** Connections: the list, create from the connector catalog, edit, delete, test, OAuth "Connect". Secrets are write-only throughout. */
export function ConnectionsPage() {
  const { me } = useSession();
  const write = can(me, 'connections:write');
  const connections = useConnections();
  const connectors = useConnectors();
  const remove = useDeleteConnection();
  const test = useTestConnection();
  const [tested, setTested] = useState<{ name: string; result?: ConnectionTestResult; error?: unknown } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [connectError, setConnectError] = useState<unknown>(null);
  const catalog = new Map((connectors.data?.items ?? []).map((c) => [c.key, c]));
  const editedConnection = connections.data?.items.find((c) => c.id === editing);

  return (
    <section aria-labelledby="connections-title">
      <h1 id="connections-title">Connections</h1>
      {write && connectors.data && <NewConnectionForm connectors={connectors.data.items} />}
      {connectors.error && <ErrorNote error={connectors.error} />}
      {remove.error && <ErrorNote error={remove.error} />}
      {connectError !== null && <ErrorNote error={connectError} />}
      <TestOutcome testing={test.isPending} tested={tested} />
      {connections.isPending ? (
        <Loading />
      ) : connections.error ? (
        <ErrorNote error={connections.error} />
      ) : connections.data.items.length === 0 ? (
        <p className="muted">No connections yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Connector</th>
                <th scope="col">Status</th>
                <th scope="col">Secrets set</th>
                <th scope="col">Created</th>
                {write && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {connections.data.items.map((connection) => (
                <ConnectionRow
                  key={connection.id}
                  connection={connection}
                  connector={catalog.get(connection.connector)}
                  write={write}
                  busy={remove.isPending}
                  onEdit={() => setEditing(connection.id)}
                  onDelete={() => remove.mutate(connection.id)}
                  testing={test.isPending}
                  onTest={() => {
                    setTested({ name: connection.name });
                    test.mutate(connection.id, {
                      onSuccess: (result) => setTested({ name: connection.name, result }),
                      onError: (error) => setTested({ name: connection.name, error }),
                    });
                  }}
                  onConnect={() => {
                    setConnectError(null);
                    connectOAuth(connection).catch(setConnectError);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {write && editedConnection && connectors.data && (
        <EditConnectionForm key={editedConnection.id} connection={editedConnection} connector={catalog.get(editedConnection.connector)} onDone={() => setEditing(null)} />
      )}
    </section>
  );
}

interface RowProps {
  connection: Connection;
  connector: Connector | undefined;
  write: boolean;
  busy: boolean;
  onEdit: () => void;
  onDelete: () => void;
  onConnect: () => void;
  testing: boolean;
  onTest: () => void;
}

/** What the last test said, announced: passed or failed with the third party's reason, or the API's problem. */
function TestOutcome({ testing, tested }: { testing: boolean; tested: { name: string; result?: ConnectionTestResult; error?: unknown } | null }) {
  if (!tested) return null;
  if (tested.error !== undefined) {
    return (
      <p role="alert" className="error test-outcome">
        Could not test “{tested.name}”: {describeError(tested.error)}
      </p>
    );
  }
  if (!tested.result) return <p role="status" aria-busy={testing} className="muted test-outcome">Testing “{tested.name}”…</p>;
  const { ok, detail } = tested.result;
  return (
    <p role="status" className={`test-outcome ${ok ? 'passed' : 'error'}`}>
      <strong>
        Test of “{tested.name}” {ok ? 'passed' : 'failed'}
      </strong>
      {detail ? `: ${detail}` : '.'}
    </p>
  );
}

function ConnectionRow({ connection, connector, write, busy, onEdit, onDelete, onConnect, testing, onTest }: RowProps) {
  const oauthCode = connection.oauth?.grant === 'authorization_code';
  return (
    <tr>
      <td>{connection.name}</td>
      <td>{connector?.displayName ?? <code>{connection.connector}</code>}</td>
      <td>
        <Badge value={connection.status} />
      </td>
      <td>{connection.secretFields.filter((f) => f !== 'kind').join(', ') || <span className="muted">none</span>}</td>
      <td>
        <When at={connection.createdAt} />
      </td>
      {write && (
        <td>
          <div className="row">
            <button type="button" onClick={onEdit} aria-label={`Edit ${connection.name}`}>
              Edit
            </button>
            {connector?.testable && (
              <button type="button" onClick={onTest} disabled={testing} aria-label={`Test ${connection.name}`}>
                Test
              </button>
            )}
            {oauthCode && (
              <button type="button" onClick={onConnect} aria-label={`Connect ${connection.name}`}>
                Connect
              </button>
            )}
            <ConfirmButton
              label="Delete"
              danger
              disabled={busy}
              question={`Delete the connection “${connection.name}”? Recipes that use it fail until they are given another.`}
              confirmLabel="Delete connection"
              onConfirm={onDelete}
            />
          </div>
        </td>
      )}
    </tr>
  );
}
