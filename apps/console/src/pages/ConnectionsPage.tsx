import { useState } from 'react';
import { connectOAuth, useConnections, useConnectors, useDeleteConnection, type Connection, type Connector } from '../api/connections';
import { can } from '../api/permissions';
import { useSession } from '../api/session';
import { ConfirmButton } from '../components/Confirm';
import { Badge, ErrorNote, Loading, When } from '../components/Status';
import { EditConnectionForm, NewConnectionForm } from './ConnectionForms';

/** Connections: the list, create from the connector catalog, edit, delete, OAuth "Connect". Secrets are write-only throughout. */
export function ConnectionsPage() {
  const { me } = useSession();
  const write = can(me, 'connections:write');
  const connections = useConnections();
  const connectors = useConnectors();
  const remove = useDeleteConnection();
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
}

function ConnectionRow({ connection, connector, write, busy, onEdit, onDelete, onConnect }: RowProps) {
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
