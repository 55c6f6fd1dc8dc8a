import { API_KEY_ID_RE, CONNECTION_ID_RE, WORKSPACE_ID_RE } from '@junction/auth/contracts';
import { aCaller, aConnectionId, aPollRecipe, aRecipe, aScheduleRecipe, aScopedRequest, aTriggerEvent, aWorkspaceId, anActionStep } from './factories';

describe('test data factories', () => {
  it('make ids in the shapes the services check, fresh on every call', () => {
    expect(aWorkspaceId()).toMatch(WORKSPACE_ID_RE);
    expect(aConnectionId()).toMatch(CONNECTION_ID_RE);
    expect(aCaller().id).toMatch(API_KEY_ID_RE);
    expect(aWorkspaceId()).not.toBe(aWorkspaceId());
  });

  it('keep what the test names and default the rest', () => {
    expect(aCaller({ role: 'auditor' })).toMatchObject({ kind: 'api_key', role: 'auditor' });
    const scoped = aScopedRequest({ caller: { kind: 'user', id: 'usr_1' } });
    expect(scoped.caller).toEqual({ kind: 'user', id: 'usr_1', role: 'admin' });
    expect(aRecipe({ steps: [anActionStep({ id: 'first' })] }).steps).toEqual([expect.objectContaining({ id: 'first', action: 'http.request' })]);
    expect(aScheduleRecipe({ timezone: 'Europe/Berlin' }).trigger).toEqual({ type: 'schedule', cron: '*/5 * * * *', timezone: 'Europe/Berlin' });
    expect(aPollRecipe({ interval: '30s' }).trigger).toMatchObject({ type: 'poll', interval: '30s' });
    const event = aTriggerEvent({ kind: 'api' });
    expect(event).toMatchObject({ kind: 'api', data: { body: {} } });
    expect(Date.parse(event.receivedAt)).not.toBeNaN();
  });
});
