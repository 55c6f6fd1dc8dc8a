import { describeConnector } from '@junction/connector-sdk';
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
