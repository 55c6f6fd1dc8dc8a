import { describeConnector, toConnector, validateDeclarative, type DeclarativeConnector } from '@junction/connector-sdk';
import { BUILT_IN_CONNECTORS } from './built-in-connectors';

/**
 * The effect ledger re-sends a call a crash cut only for actions that say a repeat is harmless:
 * every built-in action must say so explicitly, and the catalog must carry it to the executor.
 */
describe('built-in actions declare their idempotency', () => {
  const declared = Object.fromEntries(BUILT_IN_CONNECTORS.flatMap((c) => c.actions.map((a) => [`${c.key}.${a.key}`, a.idempotent])));

  it('every built-in action declares true, false or key', () => {
    const missing = Object.entries(declared).filter(([, v]) => v === undefined);
    expect(missing).toEqual([]);
  });

  it('declares what each provider honours (the list in docs/recipes.md)', () => {
    expect(declared).toEqual({
      'http.request': 'key',
      'http.paginate': true,
      'github.create_issue': false,
      'github.create_comment': false,
      'github.get_user': true,
      'postgres.query': false,
      'postgres.insert': false,
      'postgres.upsert': true,
      'slack.post_message': false,
      'slack.add_reaction': true,
      'standard-webhooks.send': 'key',
      'stripe.create_customer': 'key',
      'stripe.retrieve_customer': true,
    });
  });

  it('the catalog entry carries the declaration (undeclared reads as false)', () => {
    const http = BUILT_IN_CONNECTORS.find((c) => c.key === 'http');
    if (!http) throw new Error('the http connector is built in');
    expect(describeConnector(http).actions.map((a) => [a.key, a.idempotent])).toEqual([
      ['request', 'key'],
      ['paginate', true],
    ]);
    const bare = describeConnector({ ...http, actions: http.actions.map((a) => ({ ...a, idempotent: undefined })) });
    expect(bare.actions.every((a) => a.idempotent === false)).toBe(true);
  });
});

describe('custom (declarative) actions', () => {
  const custom = (actions: Record<string, unknown>[]) =>
    ({ key: 'acme', displayName: 'Acme', baseUrl: 'https://api.acme.example', auth: { kind: 'none' }, actions }) as unknown as DeclarativeConnector;
  const action = (key: string, method: string, extra: Record<string, unknown> = {}) => ({ key, displayName: key, method, path: `/${key}`, ...extra });

  it('default by HTTP method: GET, PUT and DELETE are idempotent, POST and PATCH are not', () => {
    const connector = toConnector(custom(['GET', 'PUT', 'DELETE', 'POST', 'PATCH'].map((m) => action(m.toLowerCase(), m))), 1);
    expect(Object.fromEntries(connector.actions.map((a) => [a.key, a.idempotent]))).toEqual({ get: true, put: true, delete: true, post: false, patch: false });
  });

  it('an action may declare it (a POST whose API honours Idempotency-Key), and only true, false or key', () => {
    expect(toConnector(custom([action('charge', 'POST', { idempotent: 'key' })]), 1).actions[0].idempotent).toBe('key');
    expect(validateDeclarative(custom([action('charge', 'POST', { idempotent: 'key' })]))).toEqual([]);
    expect(validateDeclarative(custom([action('charge', 'POST', { idempotent: 'maybe' })])).map((e) => e.path)).toEqual(['/actions/0/idempotent']);
  });
});
