import { aPollRecipe, aRecipe } from '@junction/shared/testing';
import { connectionRefs } from './connection-refs';

describe('connectionRefs', () => {
  it('finds the signature shorthand, a connector trigger and nested action steps, with their paths and expected connectors', () => {
    const recipe = aRecipe({
      trigger: { type: 'webhook', signature: { header: 'x-sig', algorithm: 'hmac-sha256', connection: 'conn_sig' } },
      steps: [
        { id: 'a', action: 'stripe.create_customer', connection: 'conn_stripe', input: { action: 'ignored.here', connection: 'conn_no' } },
        { id: 'guard', try: [{ id: 'b', action: 'http.request', connection: 'conn_http', input: {} }], catch: [] },
      ],
    });
    expect(connectionRefs(recipe)).toEqual([
      { path: '/trigger/signature/connection', connection: 'conn_sig', connector: 'webhook' },
      { path: '/steps/0/connection', connection: 'conn_stripe', connector: 'stripe' },
      { path: '/steps/1/try/0/connection', connection: 'conn_http', connector: 'http' },
    ]);
    const poll = aPollRecipe({ connector: 'http', connection: 'conn_p' }, { steps: [] });
    expect(connectionRefs(poll)).toEqual([{ path: '/trigger/connection', connection: 'conn_p', connector: 'http' }]);
  });
});
