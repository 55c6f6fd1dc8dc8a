import type { JsonSchema } from '../components/schema-fields';
import type { Connector } from './connectors';

// The catalog (`GET /v1/connectors`) names each connector's auth kinds; the fields of the standard
// kinds are fixed by the vault (a flat map whose field names decide the kind, credentialKindOf in the
// connector SDK). These are those fields as JSON Schema, so their form is generated the same way as a
// `custom` kind's, whose schema the catalog publishes. Secret fields are `writeOnly`.

const ALLOWED_HOSTS: JsonSchema = {
  type: 'string',
  title: 'Allowed hosts',
  description: "Hosts these credentials may be sent to besides the connector's own (comma-separated: host, host:port, *.domain; http:// prefix for plain http).",
};

const secret = (title: string, description?: string): JsonSchema => ({
  type: 'string',
  title,
  format: 'password',
  writeOnly: true,
  minLength: 1,
  ...(description ? { description } : {}),
});

export const CREDENTIAL_SCHEMAS: Record<string, JsonSchema> = {
  none: { type: 'object', properties: { allowedHosts: ALLOWED_HOSTS } },
  api_key: { type: 'object', required: ['apiKey'], properties: { apiKey: secret('API key'), allowedHosts: ALLOWED_HOSTS } },
  bearer: { type: 'object', required: ['token'], properties: { token: secret('Token', 'Sent as Authorization: Bearer …'), allowedHosts: ALLOWED_HOSTS } },
  basic: {
    type: 'object',
    required: ['username', 'password'],
    properties: { username: { type: 'string', title: 'User name', minLength: 1 }, password: secret('Password'), allowedHosts: ALLOWED_HOSTS },
  },
  oauth2: {
    type: 'object',
    required: ['clientId', 'clientSecret', 'grant', 'tokenUrl'],
    properties: {
      clientId: { type: 'string', title: 'Client id', minLength: 1 },
      clientSecret: secret('Client secret'),
      grant: { type: 'string', title: 'Grant', enum: ['authorization_code', 'client_credentials'], default: 'authorization_code' },
      tokenUrl: { type: 'string', title: 'Token URL', format: 'uri' },
      authorizationUrl: { type: 'string', title: 'Authorization URL', format: 'uri', description: 'Where the user approves access (authorization code grant).' },
      redirectUri: { type: 'string', title: 'Redirect URI', format: 'uri', description: "This gateway's /v1/oauth/callback, registered with the provider." },
      scopes: { type: 'string', title: 'Scopes', description: 'Space-separated.' },
      allowedHosts: ALLOWED_HOSTS,
    },
  },
};

/** Fields of the oauth2 form that go to the connection's `oauth` settings, not to its credentials. */
const OAUTH_SETTINGS = ['grant', 'tokenUrl', 'authorizationUrl', 'redirectUri', 'scopes'];

/** The credential fields of one auth kind of a connector: a `custom` kind's come from the catalog. */
export function credentialSchema(connector: Pick<Connector, 'customCredentialsSchema'> | undefined, kind: string): JsonSchema | undefined {
  if (kind === 'custom') return connector?.customCredentialsSchema;
  return Object.hasOwn(CREDENTIAL_SCHEMAS, kind) ? CREDENTIAL_SCHEMAS[kind] : undefined;
}

/** The auth kinds of a connector the console can make a form for (`custom` when the catalog gives its schema). */
export function formKinds(connector: Pick<Connector, 'authKinds' | 'customCredentialsSchema'> | undefined): string[] {
  return (connector?.authKinds ?? []).filter((kind) => credentialSchema(connector, kind) !== undefined);
}

export type FormValues = Record<string, string | number | boolean | undefined>;

/**
 * The form's values as the API wants them: credentials as strings (with the kind, so the vault's
 * reading does not have to guess it) and, for oauth2, the settings apart. Empty fields are left out.
 */
export function toConnectionBody(kind: string, values: FormValues): { credentials: Record<string, string>; oauth?: Record<string, unknown> } {
  const credentials: Record<string, string> = kind === 'none' ? {} : { kind };
  const oauth: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === '') continue;
    if (kind === 'oauth2' && OAUTH_SETTINGS.includes(name)) oauth[name] = name === 'scopes' ? String(value).split(/\s+/).filter(Boolean) : value;
    else credentials[name] = String(value);
  }
  return kind === 'oauth2' ? { credentials, oauth } : { credentials };
}

/** The schema for replacing a connection's credentials: the oauth settings cannot be changed by PATCH, so they are left out. */
export function editSchema(connector: Pick<Connector, 'customCredentialsSchema'> | undefined, kind: string): JsonSchema | undefined {
  const schema = credentialSchema(connector, kind);
  if (!schema || kind !== 'oauth2') return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([name]) => !OAUTH_SETTINGS.includes(name)));
  return { ...schema, properties, required: (schema.required ?? []).filter((name) => !OAUTH_SETTINGS.includes(name)) };
}

/** Fields every kind may hold that say how, not what: they never decide the kind. */
const NOT_OWN = new Set(['kind', 'allowedHosts']);

/** The auth kind a connection most likely uses, from the names of its secret fields (never their values). */
export function guessKind(connector: Pick<Connector, 'authKinds' | 'customCredentialsSchema'> | undefined, secretFields: string[], hasOAuth: boolean): string | undefined {
  const kinds = formKinds(connector);
  if (hasOAuth && kinds.includes('oauth2')) return 'oauth2';
  const set = new Set(secretFields);
  const fits = (kind: string): boolean => {
    if (kind === 'none') return false;
    // a custom connection has fields of its own; the standard kinds have their required ones
    if (kind === 'custom') return secretFields.some((name) => !NOT_OWN.has(name));
    return (CREDENTIAL_SCHEMAS[kind]?.required ?? []).every((name) => set.has(name));
  };
  return kinds.filter((kind) => kind !== 'custom').find(fits) ?? (kinds.includes('custom') && fits('custom') ? 'custom' : kinds[0]);
}
