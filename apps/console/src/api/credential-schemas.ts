import type { JsonSchema } from '../components/schema-fields';

// The catalog (`GET /v1/connectors`) names each connector's auth kinds but not the fields of its
// credentials; the vault stores a flat map whose field names decide the kind (toCredentials in the
// connectors service). These are those fields as JSON Schema, so the form is generated the same way
// a schema from the catalog would be. Secret fields are `writeOnly` with `format: password`.

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

/** The auth kinds the console can make a form for (a `custom` kind's fields are not in the catalog). */
export function formKinds(authKinds: string[]): string[] {
  return authKinds.filter((kind) => kind in CREDENTIAL_SCHEMAS);
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
export function editSchema(kind: string): JsonSchema | undefined {
  const schema = CREDENTIAL_SCHEMAS[kind];
  if (!schema || kind !== 'oauth2') return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([name]) => !OAUTH_SETTINGS.includes(name)));
  return { ...schema, properties, required: (schema.required ?? []).filter((name) => !OAUTH_SETTINGS.includes(name)) };
}

/** The auth kind a connection most likely uses, from the names of its secret fields (never their values). */
export function guessKind(authKinds: string[], secretFields: string[], hasOAuth: boolean): string | undefined {
  const kinds = formKinds(authKinds);
  if (hasOAuth && kinds.includes('oauth2')) return 'oauth2';
  const set = new Set(secretFields);
  return kinds.find((kind) => kind !== 'none' && (CREDENTIAL_SCHEMAS[kind]?.required ?? []).every((name) => set.has(name))) ?? kinds[0];
}
