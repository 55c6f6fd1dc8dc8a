import { useState, type FormEvent } from 'react';
import { useCreateConnection, useUpdateConnection, type Connection, type OAuthSettings } from '../api/connections';
import type { Connector } from '../api/connectors';
import { credentialSchema, editSchema, formKinds, guessKind, toConnectionBody, type FormValues } from '../api/credential-schemas';
import { FieldPairs } from '../components/FieldPairs';
import { SchemaForm } from '../components/SchemaForm';
import { anyTyped, fieldsOf, initialValues, isOpenMap, isSecret, missingRequired, type FormField, type JsonSchema } from '../components/schema-fields';
import { ErrorNote } from '../components/Status';

const KIND_NAMES: Record<string, string> = {
  none: 'No credentials',
  api_key: 'API key',
  bearer: 'Bearer token',
  basic: 'User name and password',
  oauth2: 'OAuth 2',
  custom: 'The connector’s own fields',
};

interface CredentialFieldsProps {
  schema: JsonSchema | undefined;
  fields: FormField[];
  values: FormValues;
  onChange: (values: FormValues) => void;
  idPrefix: string;
  editing?: boolean;
}

/** The credential inputs of a kind: generated from its schema, or name/value pairs when it names no fields. */
function CredentialFields({ schema, fields, values, onChange, idPrefix, editing }: CredentialFieldsProps) {
  if (schema && isOpenMap(schema)) return <FieldPairs onChange={onChange} idPrefix={idPrefix} secret={isSecret(schema.additionalProperties as JsonSchema)} />;
  return <SchemaForm fields={fields} values={values} onChange={onChange} idPrefix={idPrefix} editing={editing} />;
}

function KindSelect({ id, kinds, value, onChange }: { id: string; kinds: string[]; value: string; onChange: (kind: string) => void }) {
  if (kinds.length < 2) return null;
  // the label beside the select, not around it: a wrapping label would put every option's text into its name
  return (
    <>
      <label htmlFor={id}>Authentication</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {kinds.map((kind) => (
          <option key={kind} value={kind}>
            {KIND_NAMES[kind] ?? kind}
          </option>
        ))}
      </select>
    </>
  );
}

/** Create: pick a connector from the catalog; its auth kind's schema generates the credential fields. */
export function NewConnectionForm({ connectors }: { connectors: Connector[] }) {
  const create = useCreateConnection();
  const usable = connectors.filter((c) => formKinds(c).length > 0);
  const [connectorKey, setConnectorKey] = useState(usable[0]?.key ?? '');
  const connector = usable.find((c) => c.key === connectorKey);
  const kinds = formKinds(connector);
  const [chosenKind, setKind] = useState('');
  const kind = kinds.includes(chosenKind) ? chosenKind : (kinds[0] ?? 'none');
  const schema = credentialSchema(connector, kind);
  const fields = fieldsOf(schema ?? {});
  const [name, setName] = useState('');
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  const reset = (nextKind: string, nextConnector = connector) => {
    setKind(nextKind);
    setValues(initialValues(fieldsOf(credentialSchema(nextConnector, nextKind) ?? {})));
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const missing = missingRequired(fields, values);
    if (missing.length > 0) return setProblem(`Fill in: ${missing.join(', ')}.`);
    setProblem(null);
    const { credentials, oauth } = toConnectionBody(kind, values);
    create.mutate(
      { name: name.trim(), connector: connectorKey, credentials, ...(oauth ? { oauth: oauth as unknown as OAuthSettings } : {}) },
      {
        onSuccess: (connection) => {
          // the typed secrets leave the page (and the mutation's memory) once they are saved
          setValues(initialValues(fields));
          setName('');
          create.reset();
          setCreated(connection.name);
        },
      },
    );
  }

  return (
    <details className="new-connection">
      <summary>New connection</summary>
      <form className="connection-form" onSubmit={submit} aria-label="New connection">
        <label htmlFor="new-connection-name">
          Name
          <span className="required" aria-hidden="true">
            {' '}
            *
          </span>
        </label>
        <input id="new-connection-name" value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="new-connection-connector">Connector</label>
        <select
          id="new-connection-connector"
          value={connectorKey}
          onChange={(e) => {
            const next = usable.find((c) => c.key === e.target.value);
            setConnectorKey(e.target.value);
            reset(formKinds(next)[0] ?? 'none', next);
          }}
        >
          {usable.map((c) => (
            <option key={c.key} value={c.key}>
              {c.displayName}
            </option>
          ))}
        </select>
        {connector?.description && <small className="muted">{connector.description}</small>}
        <KindSelect id="new-connection-kind" kinds={kinds} value={kind} onChange={reset} />
        <CredentialFields key={`${connectorKey}:${kind}:${created ?? ''}`} schema={schema} fields={fields} values={values} onChange={setValues} idPrefix="new-connection" />
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        {create.error && <ErrorNote error={create.error} />}
        <button type="submit" className="primary" disabled={create.isPending || name.trim() === '' || !connector}>
          Create connection
        </button>
        {created && <p role="status">Created “{created}”.</p>}
      </form>
    </details>
  );
}

/** Edit: rename, and replace the credentials as a whole only if something was typed (they are never shown). */
export function EditConnectionForm({ connection, connector, onDone }: { connection: Connection; connector: Connector | undefined; onDone: () => void }) {
  const update = useUpdateConnection(connection.id);
  const kinds = formKinds(connector);
  const [kind, setKind] = useState(() => guessKind(connector, connection.secretFields, connection.oauth !== undefined) ?? 'none');
  const schema = editSchema(connector, kind);
  const fields = fieldsOf(schema ?? {});
  const [name, setName] = useState(connection.name);
  const [values, setValues] = useState<FormValues>({});
  const [problem, setProblem] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const replacing = anyTyped(values);
    const missing = replacing ? missingRequired(fields, values) : [];
    if (missing.length > 0) return setProblem(`The credentials are replaced as a whole: fill in ${missing.join(', ')} too.`);
    setProblem(null);
    const body = { ...(name.trim() !== connection.name ? { name: name.trim() } : {}), ...(replacing ? { credentials: toConnectionBody(kind, values).credentials } : {}) };
    if (Object.keys(body).length === 0) return onDone();
    update.mutate(body, {
      onSuccess: () => {
        setValues({});
        update.reset();
        onDone();
      },
    });
  }

  return (
    <form className="connection-form" onSubmit={submit} aria-label={`Edit ${connection.name}`}>
      <h2>Edit “{connection.name}”</h2>
      <label htmlFor="edit-connection-name">Name</label>
      <input id="edit-connection-name" value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} />
      <p className="muted">Credentials are write-only and never shown. Leave them empty to keep them; typing any replaces them all.</p>
      <KindSelect
        id="edit-connection-kind"
        kinds={kinds}
        value={kind}
        onChange={(next) => {
          setKind(next);
          setValues({});
        }}
      />
      <CredentialFields key={kind} schema={schema} fields={fields} values={values} onChange={setValues} idPrefix="edit-connection" editing />
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {update.error && <ErrorNote error={update.error} />}
      <div className="row">
        <button type="submit" className="primary" disabled={update.isPending}>
          Save connection
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}
