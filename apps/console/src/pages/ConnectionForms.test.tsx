import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../api/connections';
import type { Connector } from '../api/connectors';
import { EditConnectionForm, NewConnectionForm } from './ConnectionForms';
import { ApiStub } from '../testing/api-stub';

/** A catalog entry with a custom credential schema, as `GET /v1/connectors` publishes it. */
const postgres: Connector = {
  key: 'postgres',
  version: '1.0.0',
  displayName: 'PostgreSQL',
  authKinds: ['custom'],
  testable: true,
  customCredentialsSchema: {
    type: 'object',
    required: ['host', 'password'],
    properties: {
      host: { type: 'string', title: 'Host', description: 'The server’s name or address' },
      port: { type: 'integer', title: 'Port', minimum: 1, maximum: 65535, default: 5432 },
      password: { type: 'string', title: 'Password', writeOnly: true },
      sslmode: { type: 'string', title: 'TLS', enum: ['disable', 'require', 'verify-full'] },
      debug: { type: 'boolean', title: 'Debug' },
    },
  },
  actions: [],
  triggers: [],
};

const acme: Connector = { key: 'acme', version: '1', displayName: 'Acme', authKinds: ['bearer', 'api_key'], testable: true, actions: [], triggers: [] };

const SECRET = 'pw_form_test_8c1e3a';

const api = new ApiStub();

function withQueries(children: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

const input = (label: string) => screen.getByLabelText(label, { exact: false, selector: 'input,select' }) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });

beforeAll(() => api.start());
afterAll(() => api.close());
beforeEach(() => api.reset());
afterEach(cleanup);

describe('the new connection form, generated from the connector’s JSON Schema', () => {
  it('renders each property as a labelled input of its type; a writeOnly field is a password input, never filled in', () => {
    render(withQueries(<NewConnectionForm connectors={[postgres]} />));
    expect(input('Host').type).toBe('text');
    expect(input('Host').getAttribute('aria-required')).toBe('true');
    expect(screen.getByText('The server’s name or address')).toBeTruthy();
    expect(input('Port').type).toBe('number');
    expect(input('Port').value).toBe('5432');
    expect(input('Port').min).toBe('1');
    expect(input('Password').type).toBe('password');
    expect(input('Password').value).toBe('');
    expect(input('Password').autocomplete).toBe('new-password');
    expect(
      within(input('TLS'))
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['—', 'disable', 'require', 'verify-full']);
    expect(input('Debug').type).toBe('checkbox');
  });

  it('sends the typed fields as strings with the kind, and clears the secret once created', async () => {
    api.answer('POST', '/v1/connections', 201, { id: 'conn_1', name: 'warehouse', connector: 'postgres', status: 'active', secretFields: ['host', 'password'] });
    render(withQueries(<NewConnectionForm connectors={[postgres]} />));
    fireEvent.change(screen.getByRole('textbox', { name: /^Name/ }), { target: { value: 'warehouse' } });
    type('Host', 'db.example.test');
    type('Password', SECRET);
    fireEvent.change(input('TLS'), { target: { value: 'require' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create connection' }));
    await screen.findByText('Created “warehouse”.');
    expect(api.bodies('POST', '/v1/connections')).toEqual([
      { name: 'warehouse', connector: 'postgres', credentials: { kind: 'custom', host: 'db.example.test', port: '5432', password: SECRET, sslmode: 'require' } },
    ]);
    expect(input('Password').value).toBe('');
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('stops at an empty required field and sends nothing', () => {
    render(withQueries(<NewConnectionForm connectors={[postgres]} />));
    fireEvent.change(screen.getByRole('textbox', { name: /^Name/ }), { target: { value: 'warehouse' } });
    type('Host', 'db.example.test');
    fireEvent.submit(screen.getByRole('form', { name: 'New connection' }));
    expect(screen.getByRole('alert').textContent).toBe('Fill in: Password.');
    expect(api.bodies('POST', '/v1/connections')).toEqual([]);
  });

  it('shows the server’s 422 problem in words', async () => {
    api.answer('POST', '/v1/connections', 422, {
      title: 'Unprocessable Entity',
      detail: 'credentials.host must be a host name',
      errors: [{ path: 'credentials.host', message: 'must be a host name' }],
    });
    render(withQueries(<NewConnectionForm connectors={[postgres]} />));
    fireEvent.change(screen.getByRole('textbox', { name: /^Name/ }), { target: { value: 'warehouse' } });
    type('Host', 'not a host');
    type('Password', SECRET);
    fireEvent.click(screen.getByRole('button', { name: 'Create connection' }));
    expect((await screen.findByRole('alert')).textContent).toBe('credentials.host must be a host name');
  });

  it('switches the fields with the authentication kind', () => {
    render(withQueries(<NewConnectionForm connectors={[acme]} />));
    expect(input('Token').type).toBe('password');
    fireEvent.change(screen.getByLabelText('Authentication'), { target: { value: 'api_key' } });
    expect(screen.queryByLabelText('Token', { exact: false })).toBeNull();
    expect(input('API key').type).toBe('password');
  });
});

describe('the edit connection form', () => {
  const connection: Connection = {
    id: 'conn_7',
    name: 'warehouse',
    connector: 'postgres',
    status: 'active',
    secretFields: ['kind', 'host', 'password'],
    createdAt: '2026-12-07T12:00:00.000Z',
    updatedAt: '2026-12-07T12:00:00.000Z',
  };

  it('shows no credential value, says secrets are write-only, and a rename sends only the name', async () => {
    api.answer('PATCH', '/v1/connections/conn_7', 200, { ...connection, name: 'warehouse 2' });
    let done = 0;
    render(withQueries(<EditConnectionForm connection={connection} connector={postgres} onDone={() => done++} />));
    expect(input('Password').value).toBe('');
    expect(input('Host').value).toBe('');
    expect(input('Host').required).toBe(false);
    expect(screen.getByText('Write-only: never shown. Type it to replace it.')).toBeTruthy();
    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'warehouse 2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save connection' }));
    await waitFor(() => expect(done).toBe(1));
    expect(api.bodies('PATCH', '/v1/connections/conn_7')).toEqual([{ name: 'warehouse 2' }]);
  });

  it('replaces the credentials as a whole: typing one field asks for the other required ones', async () => {
    api.answer('PATCH', '/v1/connections/conn_7', 200, connection);
    render(withQueries(<EditConnectionForm connection={connection} connector={postgres} onDone={() => undefined} />));
    type('Password', SECRET);
    fireEvent.click(screen.getByRole('button', { name: 'Save connection' }));
    expect(screen.getByRole('alert').textContent).toBe('The credentials are replaced as a whole: fill in Host too.');
    type('Host', 'db2.example.test');
    fireEvent.click(screen.getByRole('button', { name: 'Save connection' }));
    await waitFor(() => expect(api.bodies('PATCH', '/v1/connections/conn_7')).toHaveLength(1));
    expect(api.bodies('PATCH', '/v1/connections/conn_7')[0]).toEqual({ credentials: { kind: 'custom', host: 'db2.example.test', password: SECRET } });
  });
});
