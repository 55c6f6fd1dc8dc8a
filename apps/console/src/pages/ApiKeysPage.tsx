import { useState, type FormEvent } from 'react';
import { ROLES, useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKey } from '../api/api-keys';
import { ConfirmButton } from '../components/Confirm';
import { Badge, ErrorNote, Loading, When } from '../components/Status';

/** API keys (admin): create one (its secret shown once), list them, revoke one. */
export function ApiKeysPage() {
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <NewKeyForm />
      {revoke.error && <ErrorNote error={revoke.error} />}
      {keys.isPending ? (
        <Loading />
      ) : keys.error ? (
        <ErrorNote error={keys.error} />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <KeyRow key={key.id} apiKey={key} busy={revoke.isPending} onRevoke={() => revoke.mutate(key.id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function KeyRow({ apiKey, busy, onRevoke }: { apiKey: ApiKey; busy: boolean; onRevoke: () => void }) {
  return (
    <tr>
      <td>{apiKey.name}</td>
      <td>{apiKey.role}</td>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>
        <When at={apiKey.createdAt} />
      </td>
      <td>
        {apiKey.revokedAt ? (
          <Badge value="revoked" />
        ) : (
          <ConfirmButton
            label="Revoke"
            danger
            disabled={busy}
            question={`Revoke the key “${apiKey.name}”? Every call made with it is refused from now on.`}
            confirmLabel="Revoke key"
            onConfirm={onRevoke}
          />
        )}
      </td>
    </tr>
  );
}

function NewKeyForm() {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('operator');
  const [copied, setCopied] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    setCopied(null);
    create.mutate({ name: name.trim(), role }, { onSuccess: () => setName('') });
  }

  return (
    <>
      <form className="filters row" onSubmit={submit}>
        <label>
          Name
          <input value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending || name.trim() === ''}>
          Create key
        </button>
      </form>
      {create.error && <ErrorNote error={create.error} />}
      {create.data && (
        <div className="new-key" role="status">
          <p>
            The key <strong>{create.data.name}</strong> — copy it now, it is not shown again:
          </p>
          <div className="row">
            <code id="new-key">{create.data.key}</code>
            <button
              type="button"
              onClick={() => {
                navigator.clipboard.writeText(create.data.key).then(
                  () => setCopied('Copied'),
                  () => setCopied('Copying was refused: select the key instead'),
                );
              }}
            >
              Copy
            </button>
            <span>{copied}</span>
          </div>
        </div>
      )}
    </>
  );
}
